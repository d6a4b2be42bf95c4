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
  } as const,
});

export const ModelStatusEnum = builder.enumType('ModelStatus', {
  values: ['UNLOADED', 'LOADING', 'READY', 'FAILED'] as const,
});

export const ExecutionProviderEnum = builder.enumType('ExecutionProvider', {
  values: { CPU: { value: 'cpu' }, CUDA: { value: 'cuda' }, WEBGPU: { value: 'webgpu' } } as const,
});

export const RequestStatusEnum = builder.enumType('RequestStatus', {
  values: ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const,
});
