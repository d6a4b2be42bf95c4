import { builder } from './builder.js';

export const ModalityEnum = builder.enumType('Modality', {
  description: 'A kind of data that goes into or comes out of a model.',
  values: ['TEXT', 'IMAGE', 'AUDIO', 'EMBEDDING', 'LABELS', 'BOXES', 'SEGMENTS', 'TOKENS'] as const,
});

export const TaskEnum = builder.enumType('Task', {
  values: {
    OCR: { description: 'Image to text lines with boxes (recognizeText).' },
    VAD: { description: 'Audio to speech segments (detectSpeech).' },
    TEXT_GENERATION: { description: 'Text to text, token by token (generate, generateText).' },
    TENSOR: { description: 'Named tensors in and out; used for fixtures and benchmarks.' },
    IMAGE_CLASSIFICATION: { description: 'Image to scored labels from a fixed label set (classifyImage).' },
    ZERO_SHOT_IMAGE_CLASSIFICATION: {
      description: 'Image/text dual encoder (CLIP, SigLIP): labels chosen per request (classifyImageZeroShot), text and image embeddings (embed).',
    },
    TEXT_EMBEDDING: { description: 'Text to one embedding vector (embed).' },
    SPEECH_RECOGNITION: { description: 'Audio to text with timed segments (transcribe, transcribeAudio).' },
    IMAGE_CAPTIONING: { description: 'Image to a text description, token by token (captionImage, captionImageText).' },
    TEXT_TO_SPEECH: { description: 'Text to speech audio, sentence by sentence (synthesizeSpeech, speak).' },
    IMAGE_TEXT_TO_TEXT: { description: 'Images and a question in chat messages to a streamed answer (generate, generateText with message parts).' },
    PIPELINE: { description: 'A chain of tasks run as one request (runPipeline); each step is a child request.' },
  } as const,
});

export const ModelStatusEnum = builder.enumType('ModelStatus', {
  values: ['UNLOADED', 'LOADING', 'READY', 'FAILED'] as const,
});

export const ExecutionProviderEnum = builder.enumType('ExecutionProvider', {
  values: { CPU: { value: 'cpu' }, CUDA: { value: 'cuda' }, WEBGPU: { value: 'webgpu' }, REMOTE: { value: 'remote', description: 'Served by the remote engine the model.json backend names.' } } as const,
});

export const RequestStatusEnum = builder.enumType('RequestStatus', {
  values: ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const,
});

export const PipelineTaskEnum = builder.enumType('PipelineTask', {
  description: 'What one pipeline step does; the step before it must produce what it reads.',
  values: {
    TRANSCRIBE: { description: 'AUDIO or AUDIO_SEGMENTS (each speech region on its own) to TEXT, with timed segments.' },
    DETECT_SPEECH: { description: 'AUDIO to AUDIO_SEGMENTS: the audio with the regions that hold speech.' },
    RECOGNIZE_TEXT: { description: 'IMAGE to TEXT (OCR lines joined in reading order).' },
    GENERATE: { description: 'TEXT to TEXT: the text fills the template and the language model continues it.' },
    CAPTION: { description: 'IMAGE to TEXT: a captioning model describes the image.' },
    SPEAK: { description: "TEXT to AUDIO: a TEXT_TO_SPEECH model says the text in its default voice; the WAV is stored (PipelineOutput.audio)." },
  } as const,
});

export const PipelineDataKindEnum = builder.enumType('PipelineDataKind', {
  description: 'What flows from one pipeline step to the next.',
  values: ['AUDIO', 'AUDIO_SEGMENTS', 'IMAGE', 'TEXT'] as const,
});
