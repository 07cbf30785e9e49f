package io.sdtune.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void eachRequestTopicHasItsDeadLetterTopic() {
        assertThat(Topics.TRAINING_REQUESTS_DLQ).isEqualTo("training.requests.dlq")
                .isEqualTo(Topics.deadLetterOf(Topics.TRAINING_REQUESTS));
        assertThat(Topics.TRAINING_CANCELLATIONS_DLQ).isEqualTo(Topics.deadLetterOf(Topics.TRAINING_CANCELLATIONS));
        assertThat(Topics.GENERATION_REQUESTS_DLQ).isEqualTo("generation.requests.dlq");
    }

    @Test
    void everyTopicIsAMessageTopicOrItsDeadLetterTopicAndOnlyAdaptersAndApiKeysAreCompacted() {
        assertThat(Topics.all()).hasSize(14).doesNotHaveDuplicates()
                .contains(Topics.TRAINING_EVENTS, Topics.deadLetterOf(Topics.TRAINING_EVENTS), Topics.GENERATION_REQUESTS_DLQ,
                        Topics.API_KEYS);
        assertThat(Topics.all()).filteredOn(Topics::isCompacted).containsExactly(Topics.ADAPTERS, Topics.API_KEYS);
    }
}
