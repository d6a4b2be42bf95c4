/**
 * The fenced code examples of the README and docs/, with what the text around them says about
 * running them: `<!-- example: needs receipt.png -->` names a file the example reads, and
 * `<!-- example: skip (why) -->` leaves one out with its reason.
 */
import { readFileSync } from 'node:fs';

export interface MarkdownExample {
  /** file:line of the opening fence. */
  where: string;
  language: string;
  code: string;
  needs: string[];
  skip?: string;
}

const FENCE = /^```(\w*)\s*$/;
const MARKER = /^<!--\s*example:\s*(needs|skip)\s+(.*?)\s*-->$/;

export function markdownExamples(file: string): MarkdownExample[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const examples: MarkdownExample[] = [];
  let pending: { needs: string[]; skip?: string } = { needs: [] };
  for (let i = 0; i < lines.length; i++) {
    const marker = MARKER.exec(lines[i]!.trim());
    if (marker) {
      if (marker[1] === 'needs') pending.needs.push(...marker[2]!.split(/[\s,]+/).filter(Boolean));
      else pending.skip = marker[2];
      continue;
    }
    const fence = FENCE.exec(lines[i]!);
    if (!fence) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    examples.push({ where: `${file}:${start + 1}`, language: fence[1] || 'text', code: body.join('\n'), ...pending });
    pending = { needs: [] };
  }
  return examples;
}
