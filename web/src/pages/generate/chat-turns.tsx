import type { ChatRole } from '../../gql/graphql';

export interface Turn {
  role: ChatRole;
  content: string;
}

/** The chat's messages, each with its role, editable and removable. */
export function ChatTurns({ turns, onChange }: { turns: readonly Turn[]; onChange(update: (turns: Turn[]) => Turn[]): void }) {
  const edit = (i: number, change: Partial<Turn>) => onChange((current) => current.map((t, j) => (j === i ? { ...t, ...change } : t)));
  return (
    <fieldset class="chat">
      <legend>Chat</legend>
      {turns.map((turn, i) => (
        <div class="turn" key={i}>
          <select aria-label={`Role of message ${i + 1}`} value={turn.role} onChange={(e) => edit(i, { role: e.currentTarget.value as ChatRole })}>
            <option value="system">system</option>
            <option value="user">user</option>
            <option value="assistant">assistant</option>
          </select>
          <textarea aria-label={`Message ${i + 1}`} rows={2} value={turn.content} onInput={(e) => edit(i, { content: e.currentTarget.value })} />
          <button type="button" class="icon" aria-label={`Remove message ${i + 1}`} onClick={() => onChange((current) => current.filter((_, j) => j !== i))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" class="secondary" onClick={() => onChange((current) => [...current, { role: 'user', content: '' }])}>
        Add message
      </button>
    </fieldset>
  );
}
