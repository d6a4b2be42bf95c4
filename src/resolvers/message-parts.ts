/**
 * Chat messages from GraphQL to the engine: `content` or `parts` (text and images in
 * order), each image resolved and stored as an input artifact of the request; the row's
 * parameters keep the artifact id where the image was, never the bytes.
 */
import type { Context } from '../contracts/context.js';
import type { ChatMessage, MessagePart } from '../inference/generation/types.js';
import { badInput } from '../errors.js';
import { resolveMedia, type MediaInputValue } from './media.js';

export type MessageInputValue = Omit<ChatMessage, 'content' | 'parts'> & {
  content?: string | null;
  parts?: { text?: string | null; image?: MediaInputValue | null }[] | null;
};

export interface ResolvedMessages {
  messages: ChatMessage[];
  /** What the request row stores: images as `{ image: { artifactId } }`. */
  stored: unknown[];
  artifactIds: string[];
}

export async function resolveMessages(ctx: Context, input: readonly MessageInputValue[]): Promise<ResolvedMessages> {
  input.forEach((m, i) => {
    if ((m.content == null) === (m.parts == null)) throw badInput(`Give exactly one of content and parts in messages[${i}].`, { parameter: `messages[${i}]` });
  });
  const artifactIds: string[] = [];
  const messages: ChatMessage[] = [];
  const stored: unknown[] = [];
  for (const { content, parts, ...rest } of input) {
    const message: ChatMessage = { ...rest, content: content ?? '' };
    let storedParts: unknown[] | undefined;
    if (parts) {
      const resolved: MessagePart[] = [];
      storedParts = [];
      for (const part of parts) {
        if (part.image) {
          const media = await resolveMedia(ctx, part.image, 'image');
          artifactIds.push(media.artifact.id);
          resolved.push({ type: 'image', image: media.bytes });
          storedParts.push({ image: { artifactId: media.artifact.id } });
        } else {
          resolved.push({ type: 'text', text: part.text ?? '' });
          storedParts.push({ text: part.text ?? '' });
        }
      }
      message.parts = resolved;
    }
    messages.push(message);
    stored.push(storedParts ? { ...rest, parts: storedParts } : { ...rest, content });
  }
  return { messages, stored, artifactIds };
}
