package io.sdtune.contracts.validation;

/**
 * Every bound the contracts enforce, in one place for the gateway's forms and the README. Hyper-parameters
 * are bounded where a value outside is a mistake rather than a choice (a learning rate above 1, a beta of
 * 1); counts and lengths are bounded so that one message cannot tie up a GPU for days or exhaust memory.
 */
public final class Limits {
    private Limits() {
    }

    /**
     * Image sides (training {@code resolution}, generation {@code width} and {@code height}) are multiples
     * of 64: the VAE works at 1/8 of the pixels and SD's UNet halves those latents three times, doubling
     * them back exactly, so a side must survive three halvings.
     */
    public static final int IMAGE_SIDE_MULTIPLE = 64;
    /** 64 is the tiny test model's size; 2048 is four times SD 1.5's 512 per side, already far off its training. */
    public static final Range IMAGE_SIDE = Range.closed(64, 2048);

    /** A handful is the use case (the seed trains on 5-10); the trainer encodes every latent up front. */
    public static final Range TRAINING_IMAGES = Range.closed(1, 100);
    public static final Range TRAIN_BATCH_SIZE = Range.closed(1, 64);
    public static final Range GRADIENT_ACCUMULATION_STEPS = Range.closed(1, 128);
    /** The seed trains 400 steps; 250 times that is already 3 hours of LoRA on an H100 (BENCHMARKS.md). */
    public static final Range MAX_TRAIN_STEPS = Range.closed(1, 100_000);
    /** Also at most max_train_steps. */
    public static final Range LR_WARMUP_STEPS = Range.closed(0, 100_000);
    public static final Range LEARNING_RATE = Range.openClosed(0, 1);
    public static final Range ADAM_BETA = Range.closedOpen(0, 1);
    public static final Range ADAM_WEIGHT_DECAY = Range.closed(0, 1);
    public static final Range ADAM_EPSILON = Range.openClosed(0, 1);
    /** 0 turns clipping off. */
    public static final Range MAX_GRAD_NORM = Range.closed(0, 100);
    /** Seeds fit 32 bits, as in AUTOMATIC1111: larger numbers lose digits in the web UI's JavaScript. */
    public static final Range SEED = Range.closed(0, 4_294_967_295L);
    public static final Range NOISE_OFFSET = Range.closed(0, 1);
    /** 0 turns Min-SNR weighting off; its paper recommends 5. */
    public static final Range SNR_GAMMA = Range.closed(0, 20);
    /** 0 saves no checkpoint. */
    public static final Range CHECKPOINTING_STEPS = Range.closed(0, 100_000);
    public static final Range VALIDATION_STEPS = Range.closed(1, 100_000);
    public static final Range NUM_VALIDATION_IMAGES = Range.closed(1, 16);
    public static final Range NUM_CLASS_IMAGES = Range.closed(1, 1000);
    public static final Range PRIOR_LOSS_WEIGHT = Range.closed(0, 10);
    /** Each vector takes one of the 75 token places of a prompt. */
    public static final Range NUM_VECTORS = Range.closed(1, 16);
    public static final Range RANK = Range.closed(1, 256);
    /** {@code lora_conv_rank}: 0 for no LoCon convolutions. */
    public static final Range LORA_CONV_RANK = Range.closed(0, 256);

    /**
     * Prompts are limited in characters, not CLIP tokens: the contracts do not depend on a tokenizer, and
     * the engine truncates past 77 tokens with a warning anyway. 1000 characters is several times that.
     */
    public static final int MAX_PROMPT_CHARS = 1000;
    public static final Range NUM_INFERENCE_STEPS = Range.closed(1, 150);
    public static final Range GUIDANCE_SCALE = Range.closed(0, 30);
    /** Negative scales subtract an adapter's concept; past 2 a LoRA mostly burns the image. */
    public static final Range ADAPTER_SCALE = Range.closed(-2, 2);
    public static final Range ADAPTERS_PER_GENERATION = Range.closed(0, 8);
    public static final Range NUM_IMAGES_PER_PROMPT = Range.closed(1, 8);

    public static final Range TRIGGER_TOKENS = Range.closed(0, 16);
    /** Files of one adapter or checkpoint: a DreamBooth UNet folder has a handful, sharded ones a few dozen. */
    public static final Range FILES = Range.closed(1, 1000);
    /** An API key's name says what it is for ("ci pipeline"), for the admins' list of keys. */
    public static final int MAX_KEY_NAME_CHARS = 200;
    /** An empty object is a failed upload. */
    public static final Range OBJECT_SIZE_BYTES = Range.atLeast(1);
    /**
     * Failure reasons are for people (a stack trace belongs in the log). Records cut a longer one with
     * {@link #cutReason} rather than refuse it: a failure must always be reportable, and a dead letter's
     * reason may list every problem of a large message.
     */
    /** An adapter's name, as a user gives it to an imported one: a title, not a text. */
    public static final int MAX_NAME_CHARS = 200;
    public static final int MAX_REASON_CHARS = 10_000;

    /** {@code reason}, cut to {@link #MAX_REASON_CHARS} with a mark that it was; null stays null. */
    public static String cutReason(String reason) {
        if (reason == null || reason.length() <= MAX_REASON_CHARS) {
            return reason;
        }
        String mark = " [cut]";
        int end = MAX_REASON_CHARS - mark.length();
        // never half a surrogate pair: it would not encode as UTF-8
        return reason.substring(0, Character.isHighSurrogate(reason.charAt(end - 1)) ? end - 1 : end) + mark;
    }
}
