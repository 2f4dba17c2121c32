// forktop --publish URL: the agent. Headless (no terminal), it runs the pipeline --json runs
// (this machine's source, then the sinks) with no model (the viewer's makes the alerts) and
// one sink, the publisher. Its log (connected, lost the server, back, what could not be sent)
// goes to stderr, one line each: a service's journal.
import { eachStep, exitCleanlyOn } from '../lifecycle.js';
import type { RecordingHeader } from '../events/header.js';
import { NatsPublisher } from '../output/nats-publisher.js';
import { Pipeline, type ModelStage, type Starter } from '../pipeline.js';
import type { Chosen } from '../sources/select.js';
import { errorLine } from '../ui/text.js';
import type { Retention } from './nats-client.js';
import type { NatsUrl } from './nats-wire.js';

export interface AgentPlan {
  url: NatsUrl;
  creds?: Uint8Array;
  host: string;
  bufferBytes: number;
  retention: Retention;
}

export interface AgentRuntime {
  start: Starter;
  /** Starts the pipeline's source, or exits 2 with the one line saying why it can't run. */
  startOrFail(pipeline: Pipeline, start: Starter): Promise<Chosen>;
  headerFor(chosen: Chosen): RecordingHeader;
}

/** The agent's model: none. Events pass as they are, with no alerts. */
const NO_MODEL: ModelStage = { apply: () => [], advance: () => [] };

export async function runAgent(plan: AgentPlan, { start, startOrFail, headerFor }: AgentRuntime): Promise<void> {
  const log = (message: string) => process.stderr.write(errorLine(message));
  const publisher = new NatsPublisher({ ...plan, onInfo: log });
  const exit = exitCleanlyOn(async () => {
    await eachStep(
      () => pipeline.stop(),
      async () => {
        const unsent = await publisher.close();
        if (unsent > 0) log(`${unsent} event(s) could not be published before stopping (the server was away)`);
      },
    );
  });
  const pipeline = new Pipeline({
    replaying: false,
    onError: (error) => {
      log(error.message);
      void exit(1);
    },
  });
  const chosen = await startOrFail(pipeline, start);
  publisher.start();
  pipeline.open(headerFor(chosen), NO_MODEL, [publisher]);
}
