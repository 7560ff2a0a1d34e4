/**
 * Private Postfix instances for tests: own config, queue and data directories in a temp folder, one SMTP listener
 * on 127.0.0.1 and a free port, routing by the mailHost an LDAP entry holds, delivery by LMTP into the Dovecot
 * instance standing in for that host (postfixConfig.ts says how). Never the system service; needs root (Postfix's
 * master does).
 *
 * Routes follow LDAP changes at once (ldap_table has no cache), with one Postfix quirk: the queue manager reuses
 * its last address resolution for 30 s when the next one is for the same sender and recipient (the one-entry
 * cache in src/global/resolve_clnt.c). A test that changes a route and sends again to that recipient within 30 s
 * sends from another envelope sender (or to another recipient in between).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { ensureDebianPackages } from './debian';
import type { DovecotServer } from './dovecot';
import { INSTANCE_NAME } from './dovecotConfig';
import { freePort, readGreeting } from './ports';
import {
	type LdapTableServer,
	mailhostsMap,
	mainCf,
	masterCf,
	type PostfixConfigInput,
	recipientsCf,
	routingCf,
} from './postfixConfig';
import {
	descendantPids,
	isAlive,
	pidsOf,
	processIdentity,
	signalSame,
	waitUntilGone,
} from './processes';
import type { StartedService } from './services';
import { type OutgoingMail, type SentMail, sendMail } from './smtpClient';

export { SmtpRefusal, type OutgoingMail, type SentMail } from './smtpClient';

const POSTFIX = '/usr/sbin/postfix';
const POSTQUEUE = '/usr/sbin/postqueue';
const LDAP_MODULE = '/usr/lib/postfix/postfix-ldap.so';
const START_TIMEOUT_MS = 30_000;
const START_ATTEMPTS = 5;

export interface PostfixOptions {
	/** Names the instance folder and its log lines; unique within one TestServices. */
	name: string;
	/** The directory holding the users (inetLocalMailRecipient: mailLocalAddress, mailHost). */
	ldap: LdapTableServer;
	/** mailHost value → the Dovecot (started with `lmtp: true`) that stands in for that host. */
	routes: Record<string, DovecotServer>;
	/** The domain accepted for relay; default `example.test`. */
	domain?: string;
	/** Where the instance folder `<name>` is created; default a fresh `os.tmpdir()/mm-test-XXXX`. */
	parentDir?: string;
}

export interface QueuedRecipient {
	address: string;
	/** Why the last attempt failed, for deferred mail. */
	delayReason?: string;
}

/** One message as `postqueue -j` shows it. */
export interface QueuedMail {
	queueName: 'active' | 'deferred' | 'hold' | 'incoming' | 'maildrop' | string;
	queueId: string;
	sender: string;
	recipients: QueuedRecipient[];
	arrivalTime: number;
	size: number;
}

/** A `status=` line of the log: what became of one recipient of one message. */
export interface DeliveryAttempt {
	queueId: string;
	recipient: string;
	status: 'sent' | 'deferred' | 'bounced' | string;
	/** `127.0.0.1[127.0.0.1]:PORT` for LMTP deliveries, `none` when no connection was made. */
	relay: string;
	dsn: string;
	/** The parenthesized detail: the LMTP server's reply, or the reason. */
	detail: string;
}

export interface PostfixServer extends StartedService {
	name: string;
	host: '127.0.0.1';
	/** SMTP, plain, no AUTH; accepts only recipients in LDAP under `domain`. */
	port: number;
	domain: string;
	/** conf/ (main.cf, master.cf, *.cf tables), queue/, data/, log/postfix.log. */
	dir: string;
	/** Sends one message by SMTP; throws SmtpRefusal when the server refuses it (e.g. an unknown recipient). */
	send(mail: OutgoingMail): Promise<SentMail>;
	/** What `postqueue -p` shows (from its JSON form). */
	queue(): Promise<QueuedMail[]>;
	/** The status lines logged so far, of one message if given. */
	deliveries(queueId?: string): DeliveryAttempt[];
	/** Resolves with the first status line of that message (sent, deferred or bounced), or throws at the timeout. */
	waitForDelivery(queueId: string, timeoutMs?: number): Promise<DeliveryAttempt>;
	/** The log so far: attach it to a failing assertion. */
	log(): string;
	/** Retries deferred mail now (`postqueue -f`). */
	flush(): Promise<void>;
	/** The master process and its children, while running. */
	pids(): number[];
	/** `postfix stop`, then makes sure the master and every child are gone; a no-op when stopped. */
	stop(): Promise<void>;
}

function readText(file: string): string {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch {
		return '';
	}
}

function run(command: string, args: string[]): Promise<string> {
	return new Promise((resolve, reject) => {
		execFile(command, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
			if (error) {
				const output = `${stderr}\n${stdout}`.trim();
				reject(new Error(`${path.basename(command)} ${args.join(' ')} failed: ${output}`));
			} else resolve(stdout);
		});
	});
}

const STATUS_LINE =
	/ ([0-9A-Za-z]+): to=<([^>]*)>,(?: orig_to=<[^>]*>,)? relay=([^,]+), .*?dsn=([0-9.]+), status=(\w+) \((.*)\)$/;

export function parseDeliveries(log: string): DeliveryAttempt[] {
	return log.split('\n').flatMap((line) => {
		const match = STATUS_LINE.exec(line);
		if (!match) return [];
		const [, queueId, recipient, relay, dsn, status, detail] = match;
		return [{ queueId, recipient, relay, dsn, status, detail }];
	});
}

interface PostqueueJson {
	queue_name: string;
	queue_id: string;
	arrival_time: number;
	message_size: number;
	sender: string;
	recipients: { address: string; delay_reason?: string }[];
}

/** `postqueue -j`: one JSON object per line, one line per message. */
export function parseQueue(output: string): QueuedMail[] {
	return output
		.split('\n')
		.filter((line) => line.trim() !== '')
		.map((line) => {
			const entry = JSON.parse(line) as PostqueueJson;
			return {
				queueName: entry.queue_name,
				queueId: entry.queue_id,
				sender: entry.sender,
				arrivalTime: entry.arrival_time,
				size: entry.message_size,
				recipients: entry.recipients.map((recipient) => ({
					address: recipient.address,
					...(recipient.delay_reason === undefined ? {} : { delayReason: recipient.delay_reason }),
				})),
			};
		});
}

class PostfixInstance implements PostfixServer {
	readonly host = '127.0.0.1' as const;
	readonly name: string;
	readonly dir: string;
	readonly domain: string;
	port = 0;
	private readonly options: PostfixOptions;
	private readonly postfixGid: number;

	constructor(options: PostfixOptions, dir: string, postfixGid: number) {
		this.options = options;
		this.postfixGid = postfixGid;
		this.name = options.name;
		this.dir = dir;
		this.domain = options.domain ?? 'example.test';
	}

	private get confDir(): string {
		return path.join(this.dir, 'conf');
	}

	private get logPath(): string {
		return path.join(this.dir, 'log', 'postfix.log');
	}

	log(): string {
		return readText(this.logPath);
	}

	writeConfig(): void {
		const routes: Record<string, number> = {};
		for (const [host, dovecot] of Object.entries(this.options.routes)) {
			if (dovecot.lmtpPort === 0)
				throw new Error(`route ${host}: dovecot "${dovecot.name}" was started without lmtp: true`);
			routes[host] = dovecot.lmtpPort;
		}
		const input: PostfixConfigInput = {
			name: this.name,
			dir: this.dir,
			port: this.port,
			domain: this.domain,
			ldap: this.options.ldap,
			routes,
		};
		const write = (file: string, content: string) =>
			fs.writeFileSync(path.join(this.confDir, file), content, { mode: 0o644 });
		write('main.cf', mainCf(input));
		write('master.cf', masterCf(input));
		write('mailhosts', mailhostsMap(input));
		// The tables may hold the directory's bind password: readable by root and Postfix's group only.
		for (const [file, content] of [
			['routing.cf', routingCf(input)],
			['recipients.cf', recipientsCf(input)],
		]) {
			write(file, content);
			fs.chownSync(path.join(this.confDir, file), 0, this.postfixGid);
			fs.chmodSync(path.join(this.confDir, file), 0o640);
		}
	}

	/** Starts the master and waits for the SMTP greeting; `retryablePortClash` asks for another port. */
	async launch(): Promise<{ retryablePortClash: boolean }> {
		const logSizeBefore = this.log().length;
		try {
			await run(POSTFIX, ['-c', this.confDir, 'start']);
		} catch (error) {
			const details = `${(error as Error).message}\n${this.log().slice(logSizeBefore)}`;
			await this.stop().catch(() => undefined);
			if (/Address already in use/i.test(details)) return { retryablePortClash: true };
			throw new Error(`postfix "${this.name}" failed to start:\n${details}`);
		}
		const deadline = Date.now() + START_TIMEOUT_MS;
		let lastError: unknown = null;
		while (Date.now() < deadline) {
			try {
				const line = await readGreeting(net.connect({ host: this.host, port: this.port }), 2000);
				if (line.startsWith('220 ')) return { retryablePortClash: false };
				lastError = new Error(`unexpected greeting: ${line}`);
			} catch (error) {
				lastError = error;
			}
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		await this.stop().catch(() => undefined);
		throw new Error(
			`postfix "${this.name}" did not greet in time: ${String(lastError)}\n${this.log().slice(logSizeBefore)}`,
		);
	}

	send(mail: OutgoingMail): Promise<SentMail> {
		return sendMail(this.host, this.port, mail);
	}

	async queue(): Promise<QueuedMail[]> {
		return parseQueue(await run(POSTQUEUE, ['-c', this.confDir, '-j']));
	}

	deliveries(queueId?: string): DeliveryAttempt[] {
		const all = parseDeliveries(this.log());
		return queueId === undefined ? all : all.filter((attempt) => attempt.queueId === queueId);
	}

	async waitForDelivery(queueId: string, timeoutMs = 30_000): Promise<DeliveryAttempt> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const [first] = this.deliveries(queueId);
			if (first) return first;
			if (Date.now() > deadline)
				throw new Error(
					`postfix "${this.name}": no delivery of ${queueId} logged in ${timeoutMs} ms`,
				);
			await new Promise((resolve) => setTimeout(resolve, 25));
		}
	}

	async flush(): Promise<void> {
		await run(POSTQUEUE, ['-c', this.confDir, '-f']);
	}

	/** The master's PID from queue/pid/master.pid, if that process is Postfix's master. */
	private masterPid(): number | null {
		const pid = Number(readText(path.join(this.dir, 'queue', 'pid', 'master.pid')).trim());
		if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
		try {
			return path.basename(fs.readlinkSync(`/proc/${pid}/exe`)) === 'master' ? pid : null;
		} catch {
			return null;
		}
	}

	pids(): number[] {
		const master = this.masterPid();
		return master === null ? [] : [master, ...descendantPids(master)];
	}

	async stop(): Promise<void> {
		const master = this.masterPid();
		if (master === null) return;
		const group = [master, ...descendantPids(master)].map(processIdentity);
		await run(POSTFIX, ['-c', this.confDir, 'stop']).catch(() => signalSame(group, 'SIGTERM'));
		if (await waitUntilGone(pidsOf(group), 10_000)) return;
		signalSame(group, 'SIGKILL');
		if (!(await waitUntilGone(pidsOf(group), 5_000))) {
			throw new Error(
				`postfix "${this.name}": processes ${pidsOf(group).filter(isAlive).join(', ')} outlived SIGKILL`,
			);
		}
	}
}

function postfixIds(): { uid: number; gid: number } {
	try {
		const entry = fs
			.readFileSync('/etc/passwd', 'utf8')
			.split('\n')
			.find((line) => line.startsWith('postfix:'));
		if (entry) {
			const [, , uid, gid] = entry.split(':');
			return { uid: Number(uid), gid: Number(gid) };
		}
	} catch {
		// Falls through to the error below.
	}
	throw new Error('user postfix not found (the postfix package creates it)');
}

/** Starts a private Postfix; resolves when its SMTP port greets. Throws with the log on startup errors. */
export async function startPostfix(options: PostfixOptions): Promise<PostfixServer> {
	if (!INSTANCE_NAME.test(options.name))
		throw new Error(`invalid instance name ${JSON.stringify(options.name)}`);
	if (process.getuid?.() !== 0)
		throw new Error(
			'a private Postfix needs root: its master process binds and drops privileges itself',
		);
	ensureDebianPackages(['postfix', 'postfix-ldap'], [POSTFIX, POSTQUEUE, LDAP_MODULE]);
	const ownTempDir = options.parentDir === undefined;
	const parent = options.parentDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mm-test-'));
	const dir = path.join(parent, options.name);
	if (fs.existsSync(dir))
		throw new Error(`instance folder ${dir} exists already: names must be unique`);
	for (const sub of ['conf', 'queue', 'data', 'log'])
		fs.mkdirSync(path.join(dir, sub), { recursive: true });
	// Postfix's daemons run as postfix and must reach the queue under our temp dirs; they own the data dir.
	for (const traversed of ownTempDir ? [parent, dir] : [dir]) fs.chmodSync(traversed, 0o755);
	const postfix = postfixIds();
	fs.chownSync(path.join(dir, 'data'), postfix.uid, postfix.gid);
	const server = new PostfixInstance(options, dir, postfix.gid);
	try {
		for (let attempt = 1; ; attempt++) {
			server.port = await freePort();
			server.writeConfig();
			const { retryablePortClash } = await server.launch();
			if (!retryablePortClash) return server;
			if (attempt >= START_ATTEMPTS)
				throw new Error(`postfix "${options.name}": no free port after ${attempt} tries`);
		}
	} catch (error) {
		await server.stop().catch(() => undefined);
		if (ownTempDir) fs.rmSync(parent, { recursive: true, force: true });
		throw error;
	}
}
