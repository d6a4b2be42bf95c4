/** The pipelines the console offers, each a plan of steps over one uploaded input. */
import type { PipelineStepInput } from '../../gql/graphql';

export interface Preset {
  id: string;
  label: string;
  input: 'audio' | 'image';
  accept: string;
  steps: PipelineStepInput[];
}

/** Templates keep to the plain prompt form so that any text-generation model continues them. */
export const PRESETS: Preset[] = [
  {
    id: 'voice-question',
    label: 'Voice question → answer',
    input: 'audio',
    accept: 'audio/*,.wav',
    steps: [{ task: 'TRANSCRIBE' }, { task: 'GENERATE', template: 'Question: {{input}}\nAnswer:', generation: { maxTokens: 48 } }],
  },
  {
    id: 'voice-answer',
    label: 'Voice question → spoken answer',
    input: 'audio',
    accept: 'audio/*,.wav',
    steps: [
      { task: 'TRANSCRIBE' },
      { task: 'GENERATE', template: 'User: {{input}}\nAssistant:', generation: { maxTokens: 32, stop: ['\n'] } },
      { task: 'SPEAK' },
    ],
  },
  {
    id: 'receipt-summary',
    label: 'Receipt image → OCR → summary',
    input: 'image',
    accept: 'image/*',
    steps: [{ task: 'RECOGNIZE_TEXT' }, { task: 'GENERATE', template: 'Receipt:\n{{input}}\nSummary:', generation: { maxTokens: 48 } }],
  },
  {
    id: 'picture-story',
    label: 'Image → caption → story',
    input: 'image',
    accept: 'image/*',
    steps: [{ task: 'CAPTION' }, { task: 'GENERATE', template: 'A picture of {{input}}. The story:', generation: { maxTokens: 48 } }],
  },
  {
    id: 'speech-transcript',
    label: 'Speech → VAD → transcription',
    input: 'audio',
    accept: 'audio/*,.wav',
    steps: [{ task: 'DETECT_SPEECH' }, { task: 'TRANSCRIBE' }],
  },
];
