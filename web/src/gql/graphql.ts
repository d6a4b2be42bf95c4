/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AddToCollectionInput = {
  collection: string;
  /** 1 to 256 items. */
  items: Array<CollectionItemInput>;
};

/** An image to describe, and how to sample the caption. Greedy decoding unless temperature > 0. */
export type CaptionImageInput = {
  image: MediaInput;
  /** Report the log-probability of each chosen token. */
  logprobs?: boolean | null | undefined;
  /** Default: the model's generation_config.json max_length. */
  maxTokens?: number | null | undefined;
  /** In [0, 1]. */
  minP?: number | null | undefined;
  /** An image-captioning model; the default one when omitted. */
  model?: string | null | undefined;
  repetitionPenalty?: number | null | undefined;
  /** Makes sampling reproducible. */
  seed?: number | null | undefined;
  /** Strings that end the caption; they are not emitted. */
  stop?: Array<string> | null | undefined;
  /** 0 (greedy, the default) or more. */
  temperature?: number | null | undefined;
  topK?: number | null | undefined;
  /** Also report this many most likely alternatives (at most 20). */
  topLogprobs?: number | null | undefined;
  /** In (0, 1]. */
  topP?: number | null | undefined;
};

/** Give content (text) or parts (text and images in order), not both. */
export type ChatMessageInput = {
  content?: string | null | undefined;
  /** Text and images in order; GraphQL inputs cannot be a string-or-list union, so this sits beside content. */
  parts?: Array<MessagePartInput> | null | undefined;
  role: ChatRole;
  /** On a tool message: the id of the call it answers. */
  toolCallId?: string | null | undefined;
  /** On an assistant message: the calls it made. */
  toolCalls?: Array<ToolCallInput> | null | undefined;
};

export type ChatRole =
  | 'assistant'
  | 'system'
  | 'tool'
  | 'user';

export type ClassifyImageInput = {
  image: MediaInput;
  /** An IMAGE_CLASSIFICATION model; the default one when omitted. */
  model?: string | null | undefined;
  /** How many of the best labels to return (at least 1). @default 5 */
  topK?: number | null | undefined;
};

export type ClassifyImageZeroShotInput = {
  /** Prompt with "{}" where the label goes, e.g. "a photo of {}."; the model's own prompt set when omitted. */
  hypothesisTemplate?: string | null | undefined;
  image: MediaInput;
  /** Candidate labels, 1 to 100, none blank. */
  labels: Array<string>;
  /** A ZERO_SHOT_IMAGE_CLASSIFICATION model; the default one when omitted. */
  model?: string | null | undefined;
};

/** Exactly one of text or image. */
export type CollectionItemInput = {
  image?: MediaInput | null | undefined;
  /** Kept with the item and returned with it. */
  metadata?: unknown;
  text?: string | null | undefined;
};

export type CollectionOperation =
  | 'ADD'
  | 'SEARCH';

export type CreateCollectionInput = {
  /** An embedding model (a dual encoder for images); the default one when omitted. */
  model?: string | null | undefined;
  name: string;
};

export type DetectSpeechInput = {
  audio: MediaInput;
  /** A VAD model; the default one when omitted. */
  model?: string | null | undefined;
  /** Speech probability threshold in (0, 1); default 0.5. */
  threshold?: number | null | undefined;
};

export type EmbeddingModality =
  | 'IMAGE'
  | 'TEXT';

export type ExecutionProvider =
  | 'CPU'
  | 'CUDA'
  /** Served by the remote engine the model.json backend names. */
  | 'REMOTE'
  | 'WEBGPU';

export type FinishReason =
  /** The client or the server cancelled it; the partial text is kept. */
  | 'CANCELLED'
  /** Generation failed; see the request error. */
  | 'ERROR'
  /** maxTokens or the context length was reached. */
  | 'LENGTH'
  /** End of sequence or a stop string. */
  | 'STOP'
  /** The model called tools (GenerationToolCall events); answer with tool messages. */
  | 'TOOL_CALLS';

/** A prompt or a chat, and how to sample. Greedy decoding unless temperature > 0. */
export type GenerateInput = {
  frequencyPenalty?: number | null | undefined;
  /** Report the log-probability of each chosen token. */
  logprobs?: boolean | null | undefined;
  maxTokens?: number | null | undefined;
  /** Rendered with the model's chat template. */
  messages?: Array<ChatMessageInput> | null | undefined;
  /** In [0, 1]. */
  minP?: number | null | undefined;
  /** A TEXT_GENERATION or IMAGE_TEXT_TO_TEXT model; when omitted, the default model of the task the messages need (IMAGE_TEXT_TO_TEXT when they hold images). */
  model?: string | null | undefined;
  presencePenalty?: number | null | undefined;
  prompt?: string | null | undefined;
  repetitionPenalty?: number | null | undefined;
  responseFormat?: ResponseFormatInput | null | undefined;
  /** Makes sampling reproducible. */
  seed?: number | null | undefined;
  /** Strings that end generation; they are not emitted. */
  stop?: Array<string> | null | undefined;
  /** 0 (greedy, the default) or more. */
  temperature?: number | null | undefined;
  /** AUTO when tools are given. */
  toolChoice?: ToolChoiceInput | null | undefined;
  /** Chat only. */
  tools?: Array<ToolInput> | null | undefined;
  topK?: number | null | undefined;
  /** Also report this many most likely alternatives (at most 20). */
  topLogprobs?: number | null | undefined;
  /** In (0, 1]. */
  topP?: number | null | undefined;
};

/** Exactly one of: a multipart file upload, base64 bytes, or the id of an artifact stored earlier. */
export type MediaInput = {
  artifactId?: string | number | null | undefined;
  base64?: string | null | undefined;
  file?: File | null | undefined;
};

/** One piece of a multimodal message: exactly one of text and image. */
export type MessagePartInput =
  {   /** Stored as an input artifact of the request; needs an IMAGE_TEXT_TO_TEXT model. */
  image: MediaInput; text?: never; }
  |  { image?: never;   text: string; };

/** A kind of data that goes into or comes out of a model. */
export type Modality =
  | 'AUDIO'
  | 'BOXES'
  | 'EMBEDDING'
  | 'IMAGE'
  | 'LABELS'
  | 'SEGMENTS'
  | 'TEXT'
  | 'TOKENS';

export type ModelStatus =
  | 'FAILED'
  | 'LOADING'
  | 'READY'
  | 'UNLOADED';

/** What flows from one pipeline step to the next. */
export type PipelineDataKind =
  | 'AUDIO'
  | 'AUDIO_SEGMENTS'
  | 'IMAGE'
  | 'TEXT';

/** How a GENERATE step samples; the prompt comes from its template and the previous step. */
export type PipelineGenerationInput = {
  /** Send the rendered template as a user message through the model's chat template. */
  chat?: boolean | null | undefined;
  frequencyPenalty?: number | null | undefined;
  maxTokens?: number | null | undefined;
  /** In [0, 1]. */
  minP?: number | null | undefined;
  presencePenalty?: number | null | undefined;
  repetitionPenalty?: number | null | undefined;
  seed?: number | null | undefined;
  stop?: Array<string> | null | undefined;
  /** 0 (greedy, the default) or more. */
  temperature?: number | null | undefined;
  topK?: number | null | undefined;
  /** In (0, 1]. */
  topP?: number | null | undefined;
};

/** What the first step reads: exactly the input of its kind; inputs no step reads are refused. */
export type PipelineInputs = {
  audio?: MediaInput | null | undefined;
  image?: MediaInput | null | undefined;
  text?: string | null | undefined;
};

export type PipelineStepInput = {
  /** GENERATE, and CAPTION without the penalties and chat. */
  generation?: PipelineGenerationInput | null | undefined;
  /** TRANSCRIBE only: the spoken language, e.g. "en". */
  language?: string | null | undefined;
  /** A model serving the step's task; the default one when omitted. */
  model?: string | null | undefined;
  task: PipelineTask;
  /** GENERATE only: the prompt, with {{input}} where the previous text goes. Default "{{input}}". */
  template?: string | null | undefined;
  /** DETECT_SPEECH only: speech probability threshold in (0, 1). */
  threshold?: number | null | undefined;
};

/** What one pipeline step does; the step before it must produce what it reads. */
export type PipelineTask =
  /** IMAGE to TEXT: a captioning model describes the image. */
  | 'CAPTION'
  /** AUDIO to AUDIO_SEGMENTS: the audio with the regions that hold speech. */
  | 'DETECT_SPEECH'
  /** TEXT to TEXT: the text fills the template and the language model continues it. */
  | 'GENERATE'
  /** IMAGE to TEXT (OCR lines joined in reading order). */
  | 'RECOGNIZE_TEXT'
  /** TEXT to AUDIO: a TEXT_TO_SPEECH model says the text in its default voice; the WAV is stored (PipelineOutput.audio). */
  | 'SPEAK'
  /** AUDIO or AUDIO_SEGMENTS (each speech region on its own) to TEXT, with timed segments. */
  | 'TRANSCRIBE';

export type RecognizeTextInput = {
  image: MediaInput;
  /** An OCR model; the default one when omitted. */
  model?: string | null | undefined;
};

export type RequestFilter = {
  model?: string | null | undefined;
  /** Created at or after. */
  since?: string | null | undefined;
  status?: RequestStatus | null | undefined;
  task?: Task | null | undefined;
  /** Substring of the input or output text, any case. Three characters or more use the text index (any script, Chinese included); shorter text is matched by scanning newest first. */
  text?: string | null | undefined;
  /** Created at or before. */
  until?: string | null | undefined;
};

export type RequestStatus =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING';

/** Decoding is constrained so the text parses (and validates); GenerationCompleted.json carries the value. */
export type ResponseFormatInput = {
  /** A JSON schema; required for JSON_SCHEMA. */
  schema?: unknown;
  type: ResponseFormatType;
};

export type ResponseFormatType =
  /** Any JSON object. */
  | 'JSON_OBJECT'
  /** JSON that validates against schema (supported keywords: docs/structured-output.md). */
  | 'JSON_SCHEMA';

export type RunPipelineInput = {
  inputs: PipelineInputs;
  /** Run in order; each reads the one before's output. */
  steps: Array<PipelineStepInput>;
};

export type SearchInput = {
  collection: string;
  /** How many items, 1 to 1000; 10 when omitted. */
  k?: number | null | undefined;
  /** Only items of this modality (TEXT for image-to-text search). */
  modality?: EmbeddingModality | null | undefined;
  query: SearchQueryInput;
};

/** Exactly one of: a text, an image (both embedded with the collection's model), or a vector of the collection's dimension. */
export type SearchQueryInput = {
  image?: MediaInput | null | undefined;
  text?: string | null | undefined;
  vector?: Array<number> | null | undefined;
};

export type SpeechInput = {
  /** A TEXT_TO_SPEECH model; the default one when omitted. */
  model?: string | null | undefined;
  /** 1 is the voice’s own pace, 2 twice as fast; between 0.25 and 4. */
  speed?: number | null | undefined;
  /** What to say; at most 5000 characters, synthesized sentence by sentence. */
  text: string;
  /** One of the model's voices; its default voice when omitted. An unknown voice is BAD_USER_INPUT. */
  voice?: string | null | undefined;
};

export type Task =
  /** Image to a text description, token by token (captionImage, captionImageText). */
  | 'IMAGE_CAPTIONING'
  /** Image to scored labels from a fixed label set (classifyImage). */
  | 'IMAGE_CLASSIFICATION'
  /** Images and a question in chat messages to a streamed answer (generate, generateText with message parts). */
  | 'IMAGE_TEXT_TO_TEXT'
  /** Image to text lines with boxes (recognizeText). */
  | 'OCR'
  /** A chain of tasks run as one request (runPipeline); each step is a child request. */
  | 'PIPELINE'
  /** Audio to text with timed segments (transcribe, transcribeAudio). */
  | 'SPEECH_RECOGNITION'
  /** Named tensors in and out; used for fixtures and benchmarks. */
  | 'TENSOR'
  /** Text to one embedding vector (embed). */
  | 'TEXT_EMBEDDING'
  /** Text to text, token by token (generate, generateText). */
  | 'TEXT_GENERATION'
  /** Text to speech audio, sentence by sentence (synthesizeSpeech, speak). */
  | 'TEXT_TO_SPEECH'
  /** Audio to speech segments (detectSpeech). */
  | 'VAD'
  /** Image/text dual encoder (CLIP, SigLIP): labels chosen per request (classifyImageZeroShot), text and image embeddings (embed). */
  | 'ZERO_SHOT_IMAGE_CLASSIFICATION';

/** A call an assistant turn made, sent back with the conversation. */
export type ToolCallInput = {
  /** The arguments object. */
  arguments: unknown;
  id: string;
  name: string;
};

/** A mode, or a function the model must call (constrained like REQUIRED). */
export type ToolChoiceInput = {
  function?: string | null | undefined;
  mode?: ToolChoiceMode | null | undefined;
};

export type ToolChoiceMode =
  /** The model decides; calls are parsed from its text. */
  | 'AUTO'
  /** Tools are not offered. */
  | 'NONE'
  /** Decoding is constrained to a call whose arguments validate. */
  | 'REQUIRED';

/** A function the model may call; offered through the chat template's tools. */
export type ToolInput = {
  description?: string | null | undefined;
  name: string;
  /** JSON schema of the arguments object. */
  parameters?: unknown;
};

export type TranscribeInput = {
  audio: MediaInput;
  /** Language code such as "en". Multilingual models detect it when omitted; a language the model lacks is BAD_USER_INPUT. */
  language?: string | null | undefined;
  /** A SPEECH_RECOGNITION model; the default one when omitted. */
  model?: string | null | undefined;
};

export type UploadArtifactMutationVariables = Exact<{
  file: MediaInput;
}>;


export type UploadArtifactMutation = { uploadArtifact: { id: string, url: string, contentType: string, byteSize: number } };

export type GenerationModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type GenerationModelsQuery = { models: Array<{ name: string, status: ModelStatus }> };

export type GenerateStreamSubscriptionVariables = Exact<{
  input: GenerateInput;
}>;


export type GenerateStreamSubscription = { generate:
    | { __typename: 'GenerationCompleted', requestId: string, finishReason: FinishReason, text: string, usage: { promptTokens: number, completionTokens: number }, timings: { queueMs: number, timeToFirstTokenMs: number | null, tokensPerSecond: number | null }, error: { code: string, message: string } | null }
    | { __typename: 'GenerationStarted', requestId: string, model: string, promptTokens: number }
    | { __typename: 'GenerationToken', text: string }
    | { __typename: 'GenerationToolCall' }
   };

export type HistoryPageQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
  filter?: RequestFilter | null | undefined;
}>;


export type HistoryPageQuery = { requests: { totalCount: number, totalCountIsEstimate: boolean, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ node: { id: string, task: Task, model: string, status: RequestStatus, createdAt: string, inputText: string | null, outputText: string | null, inputModalities: Array<Modality>, queueMs: number | null, computeMs: number | null, error: { code: string } | null } }> }, models: Array<{ name: string }> };

export type ModelsPageQueryVariables = Exact<{ [key: string]: never; }>;


export type ModelsPageQuery = { models: Array<{ name: string, task: Task, status: ModelStatus, executionProvider: ExecutionProvider | null, source: string, license: string, description: string | null, loadError: string | null, preload: boolean, inputModalities: Array<Modality>, outputModalities: Array<Modality> }> };

export type LoadModelNowMutationVariables = Exact<{
  name: string;
}>;


export type LoadModelNowMutation = { loadModel: { name: string, status: ModelStatus, executionProvider: ExecutionProvider | null, loadError: string | null } };

export type UnloadModelNowMutationVariables = Exact<{
  name: string;
}>;


export type UnloadModelNowMutation = { unloadModel: { name: string, status: ModelStatus, executionProvider: ExecutionProvider | null, loadError: string | null } };

export type RecognizeTextMutationVariables = Exact<{
  input: RecognizeTextInput;
}>;


export type RecognizeTextMutation = { recognizeText: { width: number, height: number, text: string, lines: Array<{ text: string, confidence: number, box: Array<{ x: number, y: number }> }>, request: { id: string, computeMs: number | null } } };

export type RunPipelineStreamSubscriptionVariables = Exact<{
  input: RunPipelineInput;
}>;


export type RunPipelineStreamSubscription = { runPipeline:
    | { __typename: 'PipelineCompleted', requestId: string, output: { kind: PipelineDataKind, text: string | null, audio: { url: string } | null } }
    | { __typename: 'PipelineFailed', requestId: string, status: RequestStatus, failedStep: number | null, error: { code: string, message: string } }
    | { __typename: 'PipelineStarted', requestId: string, steps: Array<{ index: number, task: PipelineTask, model: string, input: PipelineDataKind, output: PipelineDataKind }> }
    | { __typename: 'PipelineStepCompleted', step: number, output: { kind: PipelineDataKind, text: string | null, segments: Array<{ start: number, end: number, text: string | null }> | null } }
    | { __typename: 'PipelineStepSegment', step: number, start: number, end: number, text: string }
    | { __typename: 'PipelineStepStarted', step: number, requestId: string, model: string }
    | { __typename: 'PipelineToken', step: number, text: string }
   };

export type RequestDetailQueryVariables = Exact<{
  id: string | number;
}>;


export type RequestDetailQuery = { request: { id: string, task: Task, model: string, status: RequestStatus, createdAt: string, startedAt: string | null, firstOutputAt: string | null, finishedAt: string | null, queueMs: number | null, computeMs: number | null, batchSize: number | null, promptTokens: number | null, completionTokens: number | null, inputModalities: Array<Modality>, inputText: string | null, outputText: string | null, parameters: unknown, error: { code: string, message: string } | null, parent: { id: string } | null, steps: Array<{ id: string, task: Task, model: string, status: RequestStatus, outputText: string | null }>, artifacts: Array<{ role: string, artifact: { id: string, url: string, contentType: string, byteSize: number } }>, result:
      | { __typename: 'CaptionResult', captionFinish: FinishReason, captionTimings: { queueMs: number, timeToFirstTokenMs: number | null, tokensPerSecond: number | null } }
      | { __typename: 'ClassificationResult', labels: Array<{ label: string, score: number }> }
      | { __typename: 'CollectionResult', operation: CollectionOperation, collection: string, itemIds: Array<string>, scores: Array<number> | null }
      | { __typename: 'EmbeddingResult', dimension: number, modality: EmbeddingModality, vector: Array<number> }
      | { __typename: 'GenerationResult', finishReason: FinishReason, timings: { queueMs: number, timeToFirstTokenMs: number | null, tokensPerSecond: number | null } }
      | { __typename: 'OcrResult', width: number, height: number, lines: Array<{ text: string, confidence: number, box: Array<{ x: number, y: number }> }> }
      | { __typename: 'PipelineResult', steps: Array<{ index: number, task: PipelineTask, model: string, requestId: string | null, status: RequestStatus, output: { kind: PipelineDataKind, text: string | null, segments: Array<{ start: number, end: number, text: string | null }> | null } | null }> }
      | { __typename: 'SpeechDetectionResult', durationSeconds: number, sampleRate: number, segments: Array<{ start: number, end: number }> }
      | { __typename: 'SpeechResult' }
      | { __typename: 'TranscriptionResult', durationSeconds: number, transcript: string, segments: Array<{ start: number, end: number, text: string }>, transcriptionTimings: { realTimeFactor: number, timeToFirstSegmentMs: number | null } }
     | null } | null };

export type FollowRequestSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type FollowRequestSubscription = { requestEvents:
    | { __typename: 'GenerationCompleted', finishReason: FinishReason }
    | { __typename: 'GenerationStarted' }
    | { __typename: 'GenerationToken', text: string }
    | { __typename: 'GenerationToolCall' }
   };

export type FollowPipelineSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type FollowPipelineSubscription = { pipelineEvents:
    | { __typename: 'PipelineCompleted' }
    | { __typename: 'PipelineFailed' }
    | { __typename: 'PipelineStarted' }
    | { __typename: 'PipelineStepCompleted' }
    | { __typename: 'PipelineStepSegment' }
    | { __typename: 'PipelineStepStarted' }
    | { __typename: 'PipelineToken' }
   };

export type CancelRequestMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelRequestMutation = { cancelRequest: { id: string, status: RequestStatus } };

export type SearchPageQueryVariables = Exact<{ [key: string]: never; }>;


export type SearchPageQuery = { collections: Array<{ name: string, model: string, dimension: number, itemCount: number }>, dualEncoders: Array<{ name: string }>, textEncoders: Array<{ name: string }> };

export type CreateCollectionMutationVariables = Exact<{
  input: CreateCollectionInput;
}>;


export type CreateCollectionMutation = { createCollection: { name: string, model: string, dimension: number, itemCount: number } };

export type AddToCollectionMutationVariables = Exact<{
  input: AddToCollectionInput;
}>;


export type AddToCollectionMutation = { addToCollection: { collection: { name: string, itemCount: number }, items: Array<{ id: string }>, request: { id: string } } };

export type SearchCollectionQueryVariables = Exact<{
  input: SearchInput;
}>;


export type SearchCollectionQuery = { search: { items: Array<{ id: string, score: number, modality: EmbeddingModality, text: string | null, metadata: unknown, image: { url: string } | null }>, request: { id: string, computeMs: number | null } | null } };

export type SpeakStreamSubscriptionVariables = Exact<{
  input: SpeechInput;
}>;


export type SpeakStreamSubscription = { speak:
    | { __typename: 'SpeechChunk', sequence: number, samples: string, sampleRate: number, text: string }
    | { __typename: 'SpeechCompleted', durationSeconds: number, audio: { url: string }, timings: { timeToFirstAudioMs: number | null, realTimeFactor: number } }
    | { __typename: 'SpeechStarted', requestId: string }
   };

export type DetectSpeechMutationVariables = Exact<{
  input: DetectSpeechInput;
}>;


export type DetectSpeechMutation = { detectSpeech: { durationSeconds: number, sampleRate: number, segments: Array<{ start: number, end: number }>, request: { id: string, computeMs: number | null } } };

export type RecognitionModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type RecognitionModelsQuery = { models: Array<{ name: string, status: ModelStatus }> };

export type TranscribeStreamSubscriptionVariables = Exact<{
  input: TranscribeInput;
}>;


export type TranscribeStreamSubscription = { transcribe:
    | { __typename: 'TranscriptionCompleted', requestId: string, text: string, durationSeconds: number, segments: Array<{ start: number, end: number, text: string }>, timings: { computeMs: number, realTimeFactor: number, timeToFirstSegmentMs: number | null } }
    | { __typename: 'TranscriptionSegment', start: number, end: number, text: string }
    | { __typename: 'TranscriptionStarted', requestId: string, model: string }
    | { __typename: 'TranscriptionToken', text: string }
   };

export type VisionModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type VisionModelsQuery = { zeroShot: Array<{ name: string, status: ModelStatus }>, classifiers: Array<{ name: string, status: ModelStatus }>, captioners: Array<{ name: string, status: ModelStatus }> };

export type ClassifyZeroShotMutationVariables = Exact<{
  input: ClassifyImageZeroShotInput;
}>;


export type ClassifyZeroShotMutation = { classifyImageZeroShot: { model: string, labels: Array<{ label: string, score: number }>, request: { id: string, computeMs: number | null } } };

export type ClassifyImageMutationVariables = Exact<{
  input: ClassifyImageInput;
}>;


export type ClassifyImageMutation = { classifyImage: { model: string, labels: Array<{ label: string, score: number }>, request: { id: string, computeMs: number | null } } };

export type CaptionStreamSubscriptionVariables = Exact<{
  input: CaptionImageInput;
}>;


export type CaptionStreamSubscription = { captionImage:
    | { __typename: 'GenerationCompleted', requestId: string, finishReason: FinishReason, usage: { completionTokens: number }, timings: { timeToFirstTokenMs: number | null, tokensPerSecond: number | null }, error: { code: string, message: string } | null }
    | { __typename: 'GenerationStarted', requestId: string, model: string }
    | { __typename: 'GenerationToken', text: string }
    | { __typename: 'GenerationToolCall' }
   };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const UploadArtifactDocument = new TypedDocumentString(`
    mutation UploadArtifact($file: MediaInput!) {
  uploadArtifact(file: $file) {
    id
    url
    contentType
    byteSize
  }
}
    `) as unknown as TypedDocumentString<UploadArtifactMutation, UploadArtifactMutationVariables>;
export const GenerationModelsDocument = new TypedDocumentString(`
    query GenerationModels {
  models(task: TEXT_GENERATION) {
    name
    status
  }
}
    `) as unknown as TypedDocumentString<GenerationModelsQuery, GenerationModelsQueryVariables>;
export const GenerateStreamDocument = new TypedDocumentString(`
    subscription GenerateStream($input: GenerateInput!) {
  generate(input: $input) {
    __typename
    ... on GenerationStarted {
      requestId
      model
      promptTokens
    }
    ... on GenerationToken {
      text
    }
    ... on GenerationCompleted {
      requestId
      finishReason
      text
      usage {
        promptTokens
        completionTokens
      }
      timings {
        queueMs
        timeToFirstTokenMs
        tokensPerSecond
      }
      error {
        code
        message
      }
    }
  }
}
    `) as unknown as TypedDocumentString<GenerateStreamSubscription, GenerateStreamSubscriptionVariables>;
export const HistoryPageDocument = new TypedDocumentString(`
    query HistoryPage($first: Int, $after: String, $last: Int, $before: String, $filter: RequestFilter) {
  requests(
    first: $first
    after: $after
    last: $last
    before: $before
    filter: $filter
  ) {
    totalCount
    totalCountIsEstimate
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
    edges {
      node {
        id
        task
        model
        status
        createdAt
        inputText
        outputText
        inputModalities
        queueMs
        computeMs
        error {
          code
        }
      }
    }
  }
  models {
    name
  }
}
    `) as unknown as TypedDocumentString<HistoryPageQuery, HistoryPageQueryVariables>;
export const ModelsPageDocument = new TypedDocumentString(`
    query ModelsPage {
  models {
    name
    task
    status
    executionProvider
    source
    license
    description
    loadError
    preload
    inputModalities
    outputModalities
  }
}
    `) as unknown as TypedDocumentString<ModelsPageQuery, ModelsPageQueryVariables>;
export const LoadModelNowDocument = new TypedDocumentString(`
    mutation LoadModelNow($name: String!) {
  loadModel(name: $name) {
    name
    status
    executionProvider
    loadError
  }
}
    `) as unknown as TypedDocumentString<LoadModelNowMutation, LoadModelNowMutationVariables>;
export const UnloadModelNowDocument = new TypedDocumentString(`
    mutation UnloadModelNow($name: String!) {
  unloadModel(name: $name) {
    name
    status
    executionProvider
    loadError
  }
}
    `) as unknown as TypedDocumentString<UnloadModelNowMutation, UnloadModelNowMutationVariables>;
export const RecognizeTextDocument = new TypedDocumentString(`
    mutation RecognizeText($input: RecognizeTextInput!) {
  recognizeText(input: $input) {
    width
    height
    text
    lines {
      text
      confidence
      box {
        x
        y
      }
    }
    request {
      id
      computeMs
    }
  }
}
    `) as unknown as TypedDocumentString<RecognizeTextMutation, RecognizeTextMutationVariables>;
export const RunPipelineStreamDocument = new TypedDocumentString(`
    subscription RunPipelineStream($input: RunPipelineInput!) {
  runPipeline(input: $input) {
    __typename
    ... on PipelineStarted {
      requestId
      steps {
        index
        task
        model
        input
        output
      }
    }
    ... on PipelineStepStarted {
      step
      requestId
      model
    }
    ... on PipelineToken {
      step
      text
    }
    ... on PipelineStepSegment {
      step
      start
      end
      text
    }
    ... on PipelineStepCompleted {
      step
      output {
        kind
        text
        segments {
          start
          end
          text
        }
      }
    }
    ... on PipelineCompleted {
      requestId
      output {
        kind
        text
        audio {
          url
        }
      }
    }
    ... on PipelineFailed {
      requestId
      status
      failedStep: step
      error {
        code
        message
      }
    }
  }
}
    `) as unknown as TypedDocumentString<RunPipelineStreamSubscription, RunPipelineStreamSubscriptionVariables>;
export const RequestDetailDocument = new TypedDocumentString(`
    query RequestDetail($id: ID!) {
  request(id: $id) {
    id
    task
    model
    status
    createdAt
    startedAt
    firstOutputAt
    finishedAt
    queueMs
    computeMs
    batchSize
    promptTokens
    completionTokens
    inputModalities
    inputText
    outputText
    parameters
    error {
      code
      message
    }
    parent {
      id
    }
    steps {
      id
      task
      model
      status
      outputText
    }
    artifacts {
      role
      artifact {
        id
        url
        contentType
        byteSize
      }
    }
    result {
      __typename
      ... on GenerationResult {
        finishReason
        timings {
          queueMs
          timeToFirstTokenMs
          tokensPerSecond
        }
      }
      ... on OcrResult {
        width
        height
        lines {
          text
          confidence
          box {
            x
            y
          }
        }
      }
      ... on SpeechDetectionResult {
        durationSeconds
        sampleRate
        segments {
          start
          end
        }
      }
      ... on CaptionResult {
        captionFinish: finishReason
        captionTimings: timings {
          queueMs
          timeToFirstTokenMs
          tokensPerSecond
        }
      }
      ... on ClassificationResult {
        labels {
          label
          score
        }
      }
      ... on EmbeddingResult {
        dimension
        modality
        vector
      }
      ... on CollectionResult {
        operation
        collection
        itemIds
        scores
      }
      ... on TranscriptionResult {
        transcript: text
        durationSeconds
        segments {
          start
          end
          text
        }
        transcriptionTimings: timings {
          realTimeFactor
          timeToFirstSegmentMs
        }
      }
      ... on PipelineResult {
        steps {
          index
          task
          model
          requestId
          status
          output {
            kind
            text
            segments {
              start
              end
              text
            }
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<RequestDetailQuery, RequestDetailQueryVariables>;
export const FollowRequestDocument = new TypedDocumentString(`
    subscription FollowRequest($id: ID!) {
  requestEvents(id: $id) {
    __typename
    ... on GenerationToken {
      text
    }
    ... on GenerationCompleted {
      finishReason
    }
  }
}
    `) as unknown as TypedDocumentString<FollowRequestSubscription, FollowRequestSubscriptionVariables>;
export const FollowPipelineDocument = new TypedDocumentString(`
    subscription FollowPipeline($id: ID!) {
  pipelineEvents(id: $id) {
    __typename
  }
}
    `) as unknown as TypedDocumentString<FollowPipelineSubscription, FollowPipelineSubscriptionVariables>;
export const CancelRequestDocument = new TypedDocumentString(`
    mutation CancelRequest($id: ID!) {
  cancelRequest(id: $id) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<CancelRequestMutation, CancelRequestMutationVariables>;
export const SearchPageDocument = new TypedDocumentString(`
    query SearchPage {
  collections {
    name
    model
    dimension
    itemCount
  }
  dualEncoders: models(task: ZERO_SHOT_IMAGE_CLASSIFICATION) {
    name
  }
  textEncoders: models(task: TEXT_EMBEDDING) {
    name
  }
}
    `) as unknown as TypedDocumentString<SearchPageQuery, SearchPageQueryVariables>;
export const CreateCollectionDocument = new TypedDocumentString(`
    mutation CreateCollection($input: CreateCollectionInput!) {
  createCollection(input: $input) {
    name
    model
    dimension
    itemCount
  }
}
    `) as unknown as TypedDocumentString<CreateCollectionMutation, CreateCollectionMutationVariables>;
export const AddToCollectionDocument = new TypedDocumentString(`
    mutation AddToCollection($input: AddToCollectionInput!) {
  addToCollection(input: $input) {
    collection {
      name
      itemCount
    }
    items {
      id
    }
    request {
      id
    }
  }
}
    `) as unknown as TypedDocumentString<AddToCollectionMutation, AddToCollectionMutationVariables>;
export const SearchCollectionDocument = new TypedDocumentString(`
    query SearchCollection($input: SearchInput!) {
  search(input: $input) {
    items {
      id
      score
      modality
      text
      metadata
      image {
        url
      }
    }
    request {
      id
      computeMs
    }
  }
}
    `) as unknown as TypedDocumentString<SearchCollectionQuery, SearchCollectionQueryVariables>;
export const SpeakStreamDocument = new TypedDocumentString(`
    subscription SpeakStream($input: SpeechInput!) {
  speak(input: $input) {
    __typename
    ... on SpeechStarted {
      requestId
    }
    ... on SpeechChunk {
      sequence
      samples
      sampleRate
      text
    }
    ... on SpeechCompleted {
      audio {
        url
      }
      durationSeconds
      timings {
        timeToFirstAudioMs
        realTimeFactor
      }
    }
  }
}
    `) as unknown as TypedDocumentString<SpeakStreamSubscription, SpeakStreamSubscriptionVariables>;
export const DetectSpeechDocument = new TypedDocumentString(`
    mutation DetectSpeech($input: DetectSpeechInput!) {
  detectSpeech(input: $input) {
    durationSeconds
    sampleRate
    segments {
      start
      end
    }
    request {
      id
      computeMs
    }
  }
}
    `) as unknown as TypedDocumentString<DetectSpeechMutation, DetectSpeechMutationVariables>;
export const RecognitionModelsDocument = new TypedDocumentString(`
    query RecognitionModels {
  models(task: SPEECH_RECOGNITION) {
    name
    status
  }
}
    `) as unknown as TypedDocumentString<RecognitionModelsQuery, RecognitionModelsQueryVariables>;
export const TranscribeStreamDocument = new TypedDocumentString(`
    subscription TranscribeStream($input: TranscribeInput!) {
  transcribe(input: $input) {
    __typename
    ... on TranscriptionStarted {
      requestId
      model
    }
    ... on TranscriptionSegment {
      start
      end
      text
    }
    ... on TranscriptionToken {
      text
    }
    ... on TranscriptionCompleted {
      requestId
      text
      durationSeconds
      segments {
        start
        end
        text
      }
      timings {
        computeMs
        realTimeFactor
        timeToFirstSegmentMs
      }
    }
  }
}
    `) as unknown as TypedDocumentString<TranscribeStreamSubscription, TranscribeStreamSubscriptionVariables>;
export const VisionModelsDocument = new TypedDocumentString(`
    query VisionModels {
  zeroShot: models(task: ZERO_SHOT_IMAGE_CLASSIFICATION) {
    name
    status
  }
  classifiers: models(task: IMAGE_CLASSIFICATION) {
    name
    status
  }
  captioners: models(task: IMAGE_CAPTIONING) {
    name
    status
  }
}
    `) as unknown as TypedDocumentString<VisionModelsQuery, VisionModelsQueryVariables>;
export const ClassifyZeroShotDocument = new TypedDocumentString(`
    mutation ClassifyZeroShot($input: ClassifyImageZeroShotInput!) {
  classifyImageZeroShot(input: $input) {
    model
    labels {
      label
      score
    }
    request {
      id
      computeMs
    }
  }
}
    `) as unknown as TypedDocumentString<ClassifyZeroShotMutation, ClassifyZeroShotMutationVariables>;
export const ClassifyImageDocument = new TypedDocumentString(`
    mutation ClassifyImage($input: ClassifyImageInput!) {
  classifyImage(input: $input) {
    model
    labels {
      label
      score
    }
    request {
      id
      computeMs
    }
  }
}
    `) as unknown as TypedDocumentString<ClassifyImageMutation, ClassifyImageMutationVariables>;
export const CaptionStreamDocument = new TypedDocumentString(`
    subscription CaptionStream($input: CaptionImageInput!) {
  captionImage(input: $input) {
    __typename
    ... on GenerationStarted {
      requestId
      model
    }
    ... on GenerationToken {
      text
    }
    ... on GenerationCompleted {
      requestId
      finishReason
      usage {
        completionTokens
      }
      timings {
        timeToFirstTokenMs
        tokensPerSecond
      }
      error {
        code
        message
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CaptionStreamSubscription, CaptionStreamSubscriptionVariables>;