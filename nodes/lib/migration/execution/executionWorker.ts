/**
 * Worker-thread entry of runExecution: the copy allocates a lot of short-lived memory, and in a worker with a small
 * young generation that churn cannot grow the n8n process's heap (see isolatedExecution.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';

import { runExecution, type ExecutionInput } from './runExecution';

const port = parentPort;
if (port) {
	const cancel = new AbortController();
	port.on('message', (message: { type?: string }) => {
		if (message?.type === 'abort') cancel.abort();
	});
	runExecution(workerData as ExecutionInput, (event) => port.postMessage(event), cancel.signal)
		.then(() => port.postMessage({ type: 'done' }))
		.catch((error: unknown) =>
			port.postMessage({
				type: 'fatal',
				message: error instanceof Error ? error.message : String(error),
				name: error instanceof Error ? error.name : 'Error',
			}),
		);
}
