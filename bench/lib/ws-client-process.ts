/**
 * The GraphQL side of a generation benchmark as a separate process, the way remote clients
 * would be: graphql-ws connections to the server under test, driven over IPC by
 * remoteGraphqlContender. Arguments: wsUrl model maxStreams warmTokens.
 */
import { graphqlDriver } from './generation.js';

interface Ask {
  id: number;
  op: 'single' | 'concurrent' | 'close';
  maxTokens?: number;
  limits?: number[];
}

const [wsUrl, model, maxStreams, warmTokens] = process.argv.slice(2);
const send = (message: unknown) => process.send?.(message);
// The parent going away ends this process too; an orphaned client must not linger.
process.on('disconnect', () => process.exit(0));

try {
  const driver = await graphqlDriver(wsUrl, model, Number(maxStreams), Number(warmTokens));
  process.on('message', async (ask: Ask) => {
    try {
      if (ask.op === 'single') send({ id: ask.id, result: await driver.single(ask.maxTokens!) });
      else if (ask.op === 'concurrent') send({ id: ask.id, result: await driver.concurrent(ask.limits!) });
      else {
        await driver.close();
        send({ id: ask.id, result: null });
        process.disconnect();
      }
    } catch (error) {
      send({ id: ask.id, error: error instanceof Error ? error.message : String(error) });
    }
  });
  send({ ready: true });
} catch (error) {
  send({ failed: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  process.disconnect();
}
