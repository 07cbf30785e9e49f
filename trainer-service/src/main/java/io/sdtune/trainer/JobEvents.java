package io.sdtune.trainer;

import io.sdtune.contracts.Message;
import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.messaging.Records;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * What the trainer tells the others: job events on {@code training.events} and adapters on {@code adapters}.
 * Each send waits for the broker's acknowledgement, so a job's request is acked only after everything it
 * caused is written; a broker that refuses fails the request channel, and the request comes back.
 */
@ApplicationScoped
public class JobEvents {

    @Inject
    @Channel("training-events")
    MutinyEmitter<String> events;

    @Inject
    @Channel("adapters")
    MutinyEmitter<String> adapters;

    public void publish(TrainingEvent event) {
        send(events, event);
    }

    public void announce(AdapterAnnouncement adapter) {
        send(adapters, adapter);
    }

    private static void send(MutinyEmitter<String> emitter, Message message) {
        emitter.sendMessageAndAwait(Records.keyed(message));
    }
}
