package io.sdtune.contracts.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.contracts.InvalidMessageException;
import io.sdtune.contracts.Message;
import io.sdtune.contracts.MessageType;
import io.sdtune.contracts.Samples;
import io.sdtune.contracts.generation.GenerationResult;
import io.sdtune.contracts.training.HyperParameters;
import io.sdtune.contracts.training.TrainingCancellation;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.contracts.training.TrainingMethod;
import io.sdtune.contracts.training.TrainingRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class JsonCodecTest {

    static List<Message> messages() {
        return Samples.all();
    }

    @ParameterizedTest
    @MethodSource("messages")
    void everyMessageComesBackAsItWasSent(Message message) {
        byte[] json = JsonCodec.encode(message);

        assertThat(JsonCodec.decode(json, decodedAs(message))).isEqualTo(message);
    }

    @ParameterizedTest
    @MethodSource("messages")
    void everyMessageStartsWithItsSchemaVersionAndNamesFieldsInSnakeCase(Message message) {
        JsonNode json = tree(JsonCodec.encode(message));

        assertThat(json.fieldNames().next()).isEqualTo("schema_version");
        assertThat(json.get("schema_version").intValue()).isEqualTo(MessageType.of(message.getClass()).schemaVersion());
        assertThat(allFieldNames(json)).allMatch(name -> name.matches("[a-z0-9]+(_[a-z0-9]+)*"));
    }

    @ParameterizedTest
    @MethodSource("messages")
    void aMessageWithNothingButItsVersionAndTypeIsRefusedInWords(Message message) {
        ObjectNode json = (ObjectNode) tree(JsonCodec.encode(message));
        json.retain("schema_version", "type");

        assertThatThrownBy(() -> JsonCodec.decode(json.toString().getBytes(StandardCharsets.UTF_8), decodedAs(message)))
                .isInstanceOf(InvalidMessageException.class)
                .satisfies(e -> assertThat(((InvalidMessageException) e).problems()).allMatch(p -> p.endsWith(" is required")));
    }

    @Test
    void aTrainingRequestSpellsTheDiffusersFlags() {
        JsonNode json = tree(JsonCodec.encode(Samples.trainingRequest(TrainingMethod.DREAMBOOTH).withDefaults()));

        assertThat(json.get("method").asText()).isEqualTo("DREAMBOOTH");
        assertThat(json.get("instance_prompt").asText()).isEqualTo("a photo of <cat-toy>");
        assertThat(json.get("images").get(0).get("size_bytes").asLong()).isEqualTo(2048);
        assertThat(json.get("hyper_parameters").get("use_8bit_adam").asBoolean()).isTrue();
        assertThat(json.get("hyper_parameters").get("gradient_accumulation_steps").asInt()).isEqualTo(1);
        assertThat(json.get("hyper_parameters").get("learning_rate").asDouble()).isEqualTo(1e-6);
        assertThat(json.has("placeholder_token")).as("an absent field is left out").isFalse();
    }

    @Test
    void hyperParametersAreNamedAsTheScriptsFlags() {
        List<String> flags = new ArrayList<>();
        new ObjectMapper().valueToTree(new HyperParameters(512, 1, 4, 400, 5e-4, true, "constant", 0, 0.9, 0.999, 1e-2,
                1e-8, 1.0, 0L, 0.0, 0.0, "no", false, 500, 100, 4, "object", 1, 4, 0, false, false, 100, 1.0, true,
                false))
                .fieldNames().forEachRemaining(flags::add);

        assertThat(flags).containsExactly("resolution", "train_batch_size", "gradient_accumulation_steps",
                "max_train_steps", "learning_rate", "scale_lr", "lr_scheduler", "lr_warmup_steps", "adam_beta1",
                "adam_beta2", "adam_weight_decay", "adam_epsilon", "max_grad_norm", "seed", "noise_offset", "snr_gamma",
                "mixed_precision", "gradient_checkpointing", "checkpointing_steps", "validation_steps",
                "num_validation_images", "learnable_property", "num_vectors", "rank", "lora_conv_rank",
                "train_text_encoder",
                "with_prior_preservation", "num_class_images", "prior_loss_weight", "use_8bit_adam",
                "allow_memory_savings");
    }

    @Test
    void eventsCarryTheirVariantAsType() {
        JsonNode json = tree(JsonCodec.encode(new TrainingEvent.Progress("job-1", 10, 400, 0.12, 5e-4, 0.25, 97.5)));

        assertThat(json.get("type").asText()).isEqualTo("progress");
        assertThat(json.get("seconds_per_step").asDouble()).isEqualTo(0.25);
        assertThat(JsonCodec.decode(bytes("{'schema_version':3,'type':'cancelled','job_id':'job-1'}"), TrainingEvent.class))
                .isEqualTo(new TrainingEvent.Cancelled("job-1"));
    }

    /**
     * Version 3 of the events made queued's tenant required: a record of an older version is named as such, not
     * read as if it had no owner (version 2 only added started's optional resumed_from_step).
     */
    @Test
    void trainingEventsOfAnotherVersionAreRefusedByName() {
        assertThat(decodeEvent("{'schema_version':3,'type':'queued','job_id':'job-1','tenant':'tenant-a'}"))
                .isEqualTo(new TrainingEvent.Queued("job-1", "tenant-a"));
        assertThatThrownBy(() -> decodeEvent("{'schema_version':2,'type':'queued','job_id':'job-1'}"))
                .hasMessageContaining("unknown schema_version 2: this reader knows version 3 of the training event");
    }

    @Test
    void aRequestMayLeaveItsHyperParametersOut() {
        TrainingRequest request = JsonCodec.decode(bytes("{'schema_version':2,'job_id':'j1','tenant':'t1','method':'LORA',"
                + "'base_model_id':'sd15','dataset_id':'d1','instance_prompt':'a photo of sks dog','images':[{'key':"
                + "'tenants/t1/datasets/d1/0.png','sha256':'" + "ab".repeat(32) + "','size_bytes':10}],"
                + "'hyper_parameters':{'rank':8}}"), TrainingRequest.class);

        assertThat(request.hyperParameters().rank()).isEqualTo(8);
        assertThat(request.withDefaults().hyperParameters().learningRate()).isEqualTo(5e-4);
    }

    @Test
    void aRequestOfVersion3MayNameItsDatasetsCaptionsWhichAreChecked() {
        String captions = "'captions':{'key':'tenants/t1/datasets/d1/metadata.jsonl','sha256':'" + "cd".repeat(32)
                + "','size_bytes':60}";

        TrainingRequest request = decodeRequest("'schema_version':3," + captions);

        assertThat(request.captions().key()).isEqualTo("tenants/t1/datasets/d1/metadata.jsonl");
        assertThat(decodeRequest("'schema_version':3").captions()).isNull();
        assertThat(problemOf("'schema_version':3," + captions.replace("cd".repeat(32), "nope")))
                .startsWith("captions.sha256 ");
    }

    @Test
    void anUnknownSchemaVersionIsNamedWithTheOneThisReaderKnows() {
        assertThatThrownBy(() -> JsonCodec.decode(bytes("{'schema_version':1,'job_id':'job-1'}"),
                TrainingCancellation.class))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessage("invalid training cancellation: unknown schema_version 1: this reader knows version 2 of the "
                        + "training cancellation (consumers are upgraded before producers)");
        assertThatThrownBy(() -> decodeEvent("{'type':'queued','job_id':'job-1'}"))
                .hasMessage("invalid training event: schema_version is required (this reader knows version 3 of the "
                        + "training event)");
        assertThatThrownBy(() -> decodeEvent("{'schema_version':'1','type':'queued','job_id':'job-1'}"))
                .hasMessageEndingWith("schema_version must be an integer, got \"1\"");
    }

    @Test
    void brokenJsonIsReportedWithWhereItBroke() {
        assertThatThrownBy(() -> decodeEvent("{'schema_version':3,'type':'queued',"))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageStartingWith("invalid training event: not valid JSON at line 1, column 37: Unexpected end-of-input");
        assertThatThrownBy(() -> decodeEvent("{'schema_version':3,'type':'queued','job_id':'a','job_id':'b'}"))
                .hasMessageContaining("not valid JSON at line 1").hasMessageContaining("Duplicate field 'job_id'");
        assertThatThrownBy(() -> decodeEvent("{'schema_version':3,'type':'queued','job_id':'a'} {}"))
                .hasMessage("invalid training event: not valid JSON at line 1, column 51: more follows the message");
        assertThatThrownBy(() -> JsonCodec.decode(new byte[0], TrainingEvent.class))
                .hasMessage("invalid training event: the message is empty");
        assertThatThrownBy(() -> JsonCodec.decode(null, TrainingEvent.class))
                .hasMessage("invalid training event: the message is empty");
        assertThatThrownBy(() -> decodeEvent("[1, 2]"))
                .hasMessage("invalid training event: must be a JSON object, got a list");
        assertThatThrownBy(() -> JsonCodec.decode(new byte[] {(byte) 0xff, (byte) 0xfe, 0}, TrainingEvent.class))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("not valid JSON");
    }

    @Test
    void anUnknownOrMissingTypeListsTheKnownOnes() {
        assertThatThrownBy(() -> decodeEvent("{'schema_version':3,'type':'paused','job_id':'job-1'}"))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessage("invalid training event: type must be one of queued, started, progress, checkpoint, validation, "
                        + "succeeded, failed, cancelled, got 'paused'");
        assertThatThrownBy(() -> JsonCodec.decode(bytes("{'schema_version':1,'request_id':'r1'}"), GenerationResult.class))
                .hasMessage("invalid generation result: type is required, one of succeeded, failed");
    }

    @Test
    void anUnknownFieldIsRefusedWithTheNearestKnownName() {
        assertThatThrownBy(() -> decodeRequest("'hyper_parameters':{'learning_rte':0.001}"))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessage("invalid training request: unknown field hyper_parameters.learning_rte "
                        + "(did you mean learning_rate?)");
        assertThatThrownBy(() -> decodeRequest("'colour':'red'")).hasMessage("invalid training request: unknown field colour");
    }

    @Test
    void aValueOfTheWrongKindNamesTheFieldAndWhatItTakes() {
        assertThat(problemOf("'hyper_parameters':{'max_train_steps':'many'}"))
                .isEqualTo("hyper_parameters.max_train_steps must be an integer, got \"many\"");
        assertThat(problemOf("'hyper_parameters':{'max_train_steps':1.5}"))
                .isEqualTo("hyper_parameters.max_train_steps must be an integer, got 1.5");
        assertThat(problemOf("'hyper_parameters':{'max_train_steps':99999999999}"))
                .isEqualTo("hyper_parameters.max_train_steps is out of range, got 99999999999");
        assertThat(problemOf("'hyper_parameters':{'learning_rate':'5e-4'}"))
                .isEqualTo("hyper_parameters.learning_rate must be a number, got \"5e-4\"");
        assertThat(problemOf("'hyper_parameters':{'scale_lr':1}"))
                .isEqualTo("hyper_parameters.scale_lr must be true or false, got 1");
        assertThat(problemOf("'method':'LORAX'")).isEqualTo("method must be one of TEXTUAL_INVERSION, LORA, DREAMBOOTH, got \"LORAX\"");
        assertThat(problemOf("'method':1")).isEqualTo("method must be one of TEXTUAL_INVERSION, LORA, DREAMBOOTH, got 1");
        assertThat(problemOf("'instance_prompt':7")).isEqualTo("instance_prompt must be a string, got 7");
        assertThat(problemOf("'images':'x.png'")).isEqualTo("images must be a list, got \"x.png\"");
        assertThat(problemOf("'images':[{'key':{}}]")).isEqualTo("images[0].key must be a string, got an object");
    }

    @Test
    void aMissingNumberOfAnEventIsRequiredNotZero() {
        assertThatThrownBy(() -> decodeEvent("{'schema_version':3,'type':'progress','job_id':'j','step':1,'total_steps':4,"
                + "'loss':0.1,'learning_rate':1e-4,'seconds_per_step':1.0}"))
                .hasMessage("invalid training event: eta_seconds is required");
    }

    @Test
    void aWellFormedMessageIsStillValidatedOnEitherSide() {
        assertThatThrownBy(() -> decodeEvent("{'schema_version':3,'type':'succeeded','job_id':'Job 1'}"))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessage("invalid training event: job_id must be 1 to 64 lower-case letters, digits, '.', '_' or '-', "
                        + "starting with a letter or digit, got 'Job 1'; adapter_id is required");
        assertThatThrownBy(() -> JsonCodec.encode(new TrainingEvent.Failed("job-1", " ")))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessage("invalid training event: reason must not be empty");
    }

    /** A LoRA training request with {@code fields} added or replaced. */
    private static TrainingRequest decodeRequest(String fields) {
        ObjectNode json = (ObjectNode) tree(bytes("{'schema_version':2,'job_id':'j1','tenant':'t1','method':'LORA','base_model_id':"
                + "'sd15','dataset_id':'d1','instance_prompt':'a photo of sks dog','images':[{'key':'tenants/t1/datasets/d1/0.png',"
                + "'sha256':'" + "ab".repeat(32) + "','size_bytes':10}]}"));
        json.setAll((ObjectNode) tree(bytes("{" + fields + "}")));
        return JsonCodec.decode(json.toString().getBytes(StandardCharsets.UTF_8), TrainingRequest.class);
    }

    private static String problemOf(String fields) {
        try {
            decodeRequest(fields);
        } catch (InvalidMessageException e) {
            assertThat(e.problems()).hasSize(1);
            return e.problems().get(0);
        }
        throw new AssertionError("accepted " + fields);
    }

    private static TrainingEvent decodeEvent(String json) {
        return JsonCodec.decode(bytes(json), TrainingEvent.class);
    }

    /** JSON written with single quotes, for readability. */
    private static byte[] bytes(String json) {
        return json.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode tree(byte[] json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> allFieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        if (node.isObject()) {
            node.properties().forEach(field -> {
                names.add(field.getKey());
                names.addAll(allFieldNames(field.getValue()));
            });
        } else if (node.isArray()) {
            node.forEach(element -> names.addAll(allFieldNames(element)));
        }
        return names;
    }

    private static Class<? extends Message> decodedAs(Message message) {
        return MessageType.of(message.getClass()).type().asSubclass(Message.class);
    }
}
