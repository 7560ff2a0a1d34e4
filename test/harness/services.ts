/**
 * One owner for every service a test file starts, so `afterAll(() => services.stopAll())` leaves nothing behind.
 * Any service plugs in through StartedService (slapd, PostgreSQL, Redis, HTTP emulators: a start function that
 * returns one, then `services.add(...)`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startDovecot, type DovecotOptions, type DovecotServer } from './dovecot';
import { startPostfix, type PostfixOptions, type PostfixServer } from './postfix';
import { startFaultProxy, type FaultProxy } from './proxy';
import { startSlapd, type SlapdOptions, type SlapdServer } from './slapd';

export interface StartedService {
	name: string;
	stop(): Promise<void>;
}

export class TestServices {
	private readonly started: { name?: string; stop(): Promise<void> }[] = [];
	private root: string | null = null;

	/** The temp dir all of this owner's services live in (`os.tmpdir()/mm-test-XXXX`), created on first use. */
	get dir(): string {
		if (this.root === null) {
			this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-test-'));
			// Unprivileged server processes (mail as nobody) must traverse it.
			fs.chmodSync(this.root, 0o755);
		}
		return this.root;
	}

	async dovecot(options: Omit<DovecotOptions, 'parentDir'>): Promise<DovecotServer> {
		return this.add(await startDovecot({ ...options, parentDir: this.dir }));
	}

	async slapd(options: Omit<SlapdOptions, 'parentDir'>): Promise<SlapdServer> {
		return this.add(await startSlapd({ ...options, parentDir: this.dir }));
	}

	/** A private Postfix routing `domain` by the mailHost of LDAP entries to the Dovecots in `routes`. */
	async postfix(options: Omit<PostfixOptions, 'parentDir'>): Promise<PostfixServer> {
		return this.add(await startPostfix({ ...options, parentDir: this.dir }));
	}

	/** `listenHost` another loopback address (127.0.0.2) reaches the server by an address its certificate does not list. */
	async faultProxy(targetPort: number, listenHost?: string): Promise<FaultProxy> {
		return this.add(await startFaultProxy(targetPort, '127.0.0.1', listenHost));
	}

	/** Registers anything with stop(); stopAll() stops it (last started, first stopped). */
	add<T extends { name?: string; stop(): Promise<void> }>(service: T): T {
		this.started.push(service);
		return service;
	}

	/** Stops everything (even if some stops fail), then removes the temp dir unless KEEP_TEST_SERVICES=1. */
	async stopAll(): Promise<void> {
		const failures: Error[] = [];
		while (this.started.length > 0) {
			const service = this.started.pop() as { name?: string; stop(): Promise<void> };
			try {
				await service.stop();
			} catch (error) {
				failures.push(
					new Error(`stopping ${service.name ?? 'a service'}: ${(error as Error).message}`),
				);
			}
		}
		if (this.root !== null) {
			if (process.env.KEEP_TEST_SERVICES === '1') {
				process.stderr.write(`KEEP_TEST_SERVICES=1: test services kept in ${this.root}\n`);
			} else {
				fs.rmSync(this.root, { recursive: true, force: true });
			}
			this.root = null;
		}
		if (failures.length === 1) throw failures[0];
		if (failures.length > 1)
			throw new AggregateError(failures, failures.map((failure) => failure.message).join('; '));
	}
}
