package io.sdtune.gateway.training;

import com.fasterxml.jackson.databind.JsonNode;
import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.training.TrainingCancellation;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.contracts.training.TrainingRequest;
import io.sdtune.gateway.api.MessageForm;
import io.sdtune.gateway.api.ProblemException;
import io.sdtune.gateway.dataset.Datasets;
import io.sdtune.gateway.messaging.Publisher;
import io.sdtune.gateway.model.DefaultBaseModel;
import io.sdtune.gateway.quota.Quotas;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Starts and cancels training jobs: a request with the seed's defaults applied, published on its topic after
 * the job's {@code queued} event.
 */
@ApplicationScoped
public class Trainings {
    private static final String WHAT = "training request";

    @Inject
    Datasets datasets;
    @Inject
    Publisher publisher;
    @Inject
    TrainingJobs jobs;
    @Inject
    DefaultBaseModel baseModel;
    @Inject
    Quotas quotas;

    /**
     * The body is a training request less {@code job_id}, {@code images} and {@code captions}, which come from the
     * gateway and the dataset; {@code base_model_id} may be left out, and so may {@code resolution}: the default base
     * model's, for it, else the seed's.
     */
    public TrainingRequest start(String tenant, JsonNode body) throws IOException {
        MessageForm form = MessageForm.of(WHAT, body).own("job_id", MessageForm.newId()).own("tenant", tenant)
                .orElse("base_model_id", baseModel.id());
        if (baseModel.id().equals(form.get("base_model_id").asText())) {
            form.orElse("hyper_parameters", "resolution", baseModel.resolution());
        }
        String datasetId = form.get("dataset_id") == null ? null : form.get("dataset_id").asText();
        Optional<Datasets.Stored> dataset = datasets.stored(tenant, datasetId);
        form.own("images", dataset.map(Datasets.Stored::images).orElse(List.of()));
        form.own("captions", dataset.map(Datasets.Stored::captions).orElse(null));
        // without a dataset there are no images: the problem is the dataset, reported once below or by the contracts
        TrainingRequest request = form.decode(TrainingRequest.class,
                problem -> dataset.isEmpty() && problem.startsWith("images"));
        if (dataset.isEmpty()) {
            throw ProblemException.notFound("dataset_id " + datasetId + " names no dataset: upload its images with "
                    + "POST /api/datasets first");
        }
        quotas.checkTraining(tenant);
        TrainingRequest withDefaults = request.withDefaults();
        String jobId = withDefaults.jobId();
        jobs.submitted(tenant, jobId);
        // queued first: on the job's key it precedes whatever a trainer then says of the job
        publisher.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Queued(jobId, tenant));
        try {
            publisher.publish(Topics.TRAINING_REQUESTS, withDefaults);
        } catch (RuntimeException e) {
            publisher.publish(Topics.TRAINING_EVENTS, new TrainingEvent.Failed(jobId, "the request could not be "
                    + "published for a trainer, try again: " + e.getMessage()));
            throw e;
        }
        return withDefaults;
    }

    /** Asks the trainers to stop the job; a finished job stays as it is. */
    public void cancel(String tenant, String jobId) {
        if (jobs.status(tenant, jobId).isEmpty()) {
            throw ProblemException.notFound("no training job " + jobId);
        }
        publisher.publish(Topics.TRAINING_CANCELLATIONS, new TrainingCancellation(jobId, tenant));
    }
}
