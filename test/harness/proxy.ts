/**
 * A TCP proxy on loopback (127.0.0.1 unless asked) in front of a server, for tests of what clients do when connections break or stall.
 * 'up' is client → server, 'down' is server → client.
 */
import net from 'node:net';

export type Direction = 'up' | 'down';

export interface FaultProxy {
	name: string;
	port: number;
	/** Connections accepted so far. */
	connections: number;
	/** Connections open right now. */
	activeConnections: number;
	/** Drops every open connection at once (both sides reset); new connections still work. */
	cutAll(): void;
	/**
	 * Forwards n more bytes in that direction (counted over all connections, default 'down'), then cuts every
	 * connection. One-shot: later connections pass normally.
	 */
	cutAfterBytes(n: number, direction?: Direction): void;
	/** Stops forwarding in both directions (data waits, nothing is lost) until resume(): a stalled network. */
	pause(): void;
	resume(): void;
	close(): Promise<void>;
	/** Same as close(): lets TestServices own it. */
	stop(): Promise<void>;
}

interface Pair {
	client: net.Socket;
	server: net.Socket;
}

export async function startFaultProxy(
	targetPort: number,
	targetHost = '127.0.0.1',
	listenHost = '127.0.0.1',
): Promise<FaultProxy> {
	const pairs = new Set<Pair>();
	let paused = false;
	let pendingCut: { remaining: number; direction: Direction } | null = null;
	let accepted = 0;

	// Between an armed cut's last byte and the cut itself nothing more may pass.
	let cutting = false;

	const reset = (socket: net.Socket) => {
		if (socket.destroyed) return;
		try {
			socket.resetAndDestroy();
		} catch {
			socket.destroy();
		}
	};

	const cutAll = () => {
		for (const pair of pairs) {
			reset(pair.client);
			reset(pair.server);
		}
		pairs.clear();
		cutting = false;
	};

	/** Writes a chunk unless an armed cut is due within it; then writes only up to the limit and cuts. */
	const forward = (chunk: Buffer, to: net.Socket, direction: Direction) => {
		if (cutting) return;
		if (pendingCut === null || pendingCut.direction !== direction) {
			to.write(chunk);
			return;
		}
		if (chunk.length < pendingCut.remaining) {
			pendingCut.remaining -= chunk.length;
			to.write(chunk);
			return;
		}
		const head = chunk.subarray(0, pendingCut.remaining);
		pendingCut = null;
		cutting = true;
		if (head.length > 0) to.write(head, () => cutAll());
		else cutAll();
	};

	const server = net.createServer((client) => {
		accepted += 1;
		const upstream = net.connect({ host: targetHost, port: targetPort });
		const pair: Pair = { client, server: upstream };
		pairs.add(pair);
		if (paused) {
			client.pause();
			upstream.pause();
		}
		client.on('data', (chunk: Buffer) => forward(chunk, upstream, 'up'));
		upstream.on('data', (chunk: Buffer) => forward(chunk, client, 'down'));
		const end = () => {
			pairs.delete(pair);
			client.destroy();
			upstream.destroy();
		};
		client.on('close', end);
		upstream.on('close', end);
		client.on('error', end);
		upstream.on('error', end);
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, listenHost, () => resolve());
	});
	const address = server.address() as net.AddressInfo;

	const close = async () => {
		cutAll();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	};

	return {
		name: `fault proxy ${listenHost}:${address.port} → ${targetHost}:${targetPort}`,
		port: address.port,
		get connections() {
			return accepted;
		},
		get activeConnections() {
			return pairs.size;
		},
		cutAll,
		cutAfterBytes(n: number, direction: Direction = 'down') {
			if (!Number.isInteger(n) || n < 0)
				throw new Error(`cutAfterBytes needs a byte count, got ${n}`);
			pendingCut = { remaining: n, direction };
		},
		pause() {
			paused = true;
			for (const pair of pairs) {
				pair.client.pause();
				pair.server.pause();
			}
		},
		resume() {
			paused = false;
			for (const pair of pairs) {
				pair.client.resume();
				pair.server.resume();
			}
		},
		close,
		stop: close,
	};
}
