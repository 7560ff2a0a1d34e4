/**
 * Private Dovecot instances for tests: each in its own temp dir, on free 127.0.0.1 ports, never the system service.
 * Plain IMAP (with STARTTLS) and implicit TLS, passwd-file users rewritten per test, an optional master user, the
 * quota plugin (so QUOTA is advertised) and Maildir++ storage with '/' or '.' as the IMAP hierarchy separator.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

import { ensureDebianPackages } from './debian';
import {
	MailOwner,
	mailOwner,
	checkUserName,
	passwdLine,
	writeSecretFile,
	buildConfig,
	INSTANCE_NAME,
	oauth2PassdbFile,
	type MasterUser,
	type OAuth2Passdb,
	passwordMechanismsLine,
} from './dovecotConfig';
import { ldapAuthBlocks, writeLdapAuthFiles, type DovecotLdapAuth } from './dovecotLdap';

export type { MasterUser, OAuth2Passdb } from './dovecotConfig';
export type { DovecotLdapAuth } from './dovecotLdap';
import { freePort, readGreeting } from './ports';
import {
	descendantPids,
	isAlive,
	pidsOf,
	processIdentity,
	signalSame,
	waitUntilGone,
} from './processes';
import { LOOPBACK_SERVER, writeSelfSigned } from './selfSignedCertificates';
import type { StartedService } from './services';

const DOVECOT = '/usr/sbin/dovecot';
const DOVEADM = '/usr/bin/doveadm';
const LMTP = '/usr/lib/dovecot/lmtp';
const START_TIMEOUT_MS = 20_000;
const START_ATTEMPTS = 5;

export interface DovecotOptions {
	/** Names the instance's folder and log lines; unique within one TestServices. */
	name: string;
	/** Adds a master user: log in as `mailbox*master` with the master password. */
	master?: MasterUser;
	/** Appended to the generated dovecot.conf (later settings and repeated sections win/merge). */
	extraConf?: string;
	/** The IMAP hierarchy separator; '.' is what many legacy servers show. Default '/'. */
	separator?: '/' | '.';
	/** On-disk layout: Maildir++ (`.a.b` folders, the default) or fs (`a/b` folders). */
	layout?: 'maildir++' | 'fs';
	/** Declares \Drafts, \Sent, \Trash, \Junk on the folders of those names (Debian's default); default true. */
	specialUse?: boolean;
	/** Where the instance folder `<name>` is created; default a fresh `os.tmpdir()/mm-test-XXXX`. */
	parentDir?: string;
	/** Also accept XOAUTH2/OAUTHBEARER logins, checked by the oauth2 passdb (stands in for Exchange Online IMAP). */
	oauth2?: OAuth2Passdb;
	/**
	 * Also log in users of an LDAP directory (checked by binding as their entry), homes under mail/<uid> as for
	 * passwd-file users; a user removed from the directory can no longer log in.
	 */
	ldap?: DovecotLdapAuth;
	/** Also accept mail by LMTP on a loopback port (`lmtpPort`), into the same mailboxes IMAP reads. */
	lmtp?: boolean;
}

export interface DovecotServer extends StartedService {
	name: string;
	host: '127.0.0.1';
	/** Plain IMAP; offers STARTTLS. */
	port: number;
	/** Implicit TLS with the self-signed certificate `certPem`. */
	tlsPort: number;
	/** LMTP (RFC 2033) when started with `lmtp: true`, else 0. Recipients are users by their local part. */
	lmtpPort: number;
	/** The instance folder: dovecot.conf, users/<user> (passwd-file), tls/, mail/<user>/Maildir, log/dovecot.log. */
	dir: string;
	certPem: string;
	master?: MasterUser;
	separator: '/' | '.';
	/**
	 * Creates or replaces a user, no restart. Resolves once new logins see it: at once for a new user, after
	 * at most 1 s when replacing one (Dovecot re-reads a passwd-file at most once per second).
	 */
	addUser(user: string, password: string): Promise<void>;
	/** Resolves (within 1 s) once new logins of that user fail; the mail stays on disk. */
	removeUser(user: string): Promise<void>;
	/** The Maildir root of that user. */
	mailboxPath(user: string): string;
	/** Runs doveadm against this instance and returns its stdout. */
	doveadm(args: string[]): Promise<string>;
	/** Live IMAP sessions the server counts (all, or of one user). */
	imapConnections(user?: string): Promise<number>;
	/** The master process and all its descendants, while running. */
	pids(): number[];
	/** The log so far (errors, auth failures): attach it to a failing assertion. */
	log(): string;
	/** stop() then start again: same ports, config and data; clients see their connections drop. */
	restart(): Promise<void>;
	/** Ends the master (by the PID in master.pid) and every process of this instance; a no-op when stopped. */
	stop(): Promise<void>;
	/** stop() and delete the instance folder (kept when KEEP_TEST_SERVICES=1). */
	remove(): Promise<void>;
}

function readText(file: string): string {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch {
		return '';
	}
}

async function waitForGreetings(
	ports: { port: number; tlsPort: number; lmtpPort: number },
	certPem: string,
	deadline: number,
): Promise<void> {
	let lastError: unknown = null;
	while (Date.now() < deadline) {
		try {
			const plain = await readGreeting(net.connect({ host: '127.0.0.1', port: ports.port }), 2000);
			const secure = await readGreeting(
				tls.connect({
					host: '127.0.0.1',
					port: ports.tlsPort,
					ca: certPem,
					servername: 'localhost',
				}),
				2000,
			);
			const lmtp =
				ports.lmtpPort === 0
					? '220'
					: await readGreeting(net.connect({ host: '127.0.0.1', port: ports.lmtpPort }), 2000);
			if (plain.startsWith('* OK') && secure.startsWith('* OK') && lmtp.startsWith('220')) return;
			lastError = new Error(`unexpected greeting: ${plain} / ${secure} / ${lmtp}`);
		} catch (error) {
			lastError = error;
		}
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	throw new Error(`the server did not greet in time: ${String(lastError)}`);
}

function runDoveadm(confPath: string, args: string[]): Promise<string> {
	return new Promise((resolve, reject) => {
		execFile(
			DOVEADM,
			['-c', confPath, ...args],
			{ maxBuffer: 64 * 1024 * 1024 },
			(error, stdout, stderr) => {
				if (error) {
					const output = `${stderr}\n${stdout}`.trim();
					// Only the command name: arguments may hold passwords (doveadm auth test).
					reject(
						new Error(
							`doveadm ${args[0] ?? ''} failed (${error.code ?? error.message}): ${output}`,
						),
					);
				} else resolve(stdout);
			},
		);
	});
}

/** The master's PID from base_dir/master.pid, if that process is a running dovecot binary. */
function runningMasterPid(baseDir: string): number | null {
	const pid = Number(readText(path.join(baseDir, 'master.pid')).trim());
	if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
	let exe = '';
	try {
		exe = fs.readlinkSync(`/proc/${pid}/exe`);
	} catch {
		return null;
	}
	return path.basename(exe).startsWith('dovecot') ? pid : null;
}

class DovecotInstance implements DovecotServer {
	readonly host = '127.0.0.1' as const;
	readonly name: string;
	readonly dir: string;
	readonly certPem: string;
	readonly master?: MasterUser;
	readonly separator: '/' | '.';
	port = 0;
	tlsPort = 0;
	lmtpPort = 0;
	private readonly owner: MailOwner;
	private readonly options: DovecotOptions;
	private readonly removableDir: string;
	private readonly userMtimes = new Map<string, number>();

	constructor(
		options: DovecotOptions,
		dir: string,
		removableDir: string,
		owner: MailOwner,
		certPem: string,
	) {
		this.options = options;
		this.name = options.name;
		this.dir = dir;
		this.removableDir = removableDir;
		this.owner = owner;
		this.certPem = certPem;
		this.master = options.master;
		this.separator = options.separator ?? '/';
	}

	get confPath(): string {
		return path.join(this.dir, 'dovecot.conf');
	}

	private get baseDir(): string {
		return path.join(this.dir, 'run');
	}

	private get logPath(): string {
		return path.join(this.dir, 'log', 'dovecot.log');
	}

	log(): string {
		return readText(this.logPath);
	}

	writeConfig(): void {
		fs.writeFileSync(
			this.confPath,
			buildConfig({
				dir: this.dir,
				name: this.name,
				port: this.port,
				tlsPort: this.tlsPort,
				owner: this.owner,
				master: this.master,
				separator: this.separator,
				layout: this.options.layout ?? 'maildir++',
				specialUse: this.options.specialUse ?? true,
				extraConf: this.options.extraConf,
				oauth2: this.options.oauth2 !== undefined,
				extraAuth: this.options.ldap
					? ldapAuthBlocks(this.dir, passwordMechanismsLine(this.options.oauth2 !== undefined))
					: undefined,
				lmtpPort: this.lmtpPort,
			}),
		);
		if (this.options.ldap) writeLdapAuthFiles(this.dir, this.options.ldap, this.owner);
		const oauth2 = this.options.oauth2;
		if (oauth2) {
			const caFile = oauth2.caPem ? path.join(this.dir, 'oauth2-ca.pem') : null;
			if (caFile) fs.writeFileSync(caFile, oauth2.caPem as string, { mode: 0o644 });
			writeSecretFile(
				path.join(this.dir, 'oauth2.conf.ext'),
				oauth2PassdbFile(oauth2, caFile),
				this.owner,
			);
		}
	}

	/** Launches the daemon and waits for both greetings; `retryablePortClash` tells the caller to pick new ports. */
	async launch(): Promise<{ retryablePortClash: boolean }> {
		const startupLog = path.join(this.dir, 'log', 'startup.log');
		const logSizeBefore = this.log().length;
		const output = fs.openSync(startupLog, 'w');
		// The daemon keeps the stdio it inherits: a file, never a pipe we would wait on forever.
		const child = spawn(DOVECOT, ['-c', this.confPath], {
			stdio: ['ignore', output, output],
			detached: true,
		});
		fs.closeSync(output);
		const exitCode = await new Promise<number | null>((resolve, reject) => {
			child.once('error', reject);
			child.once('exit', (code) => resolve(code));
		});
		child.unref();
		const failure = () => `${readText(startupLog)}${this.log().slice(logSizeBefore)}`.trim();
		if (exitCode !== 0) {
			const details = failure();
			if (/Address already in use/i.test(details)) return { retryablePortClash: true };
			throw new Error(`dovecot "${this.name}" failed to start (exit ${exitCode}):\n${details}`);
		}
		try {
			await waitForGreetings(this, this.certPem, Date.now() + START_TIMEOUT_MS);
		} catch (error) {
			const details = failure();
			await this.stop().catch(() => undefined);
			if (/Address already in use/i.test(details)) return { retryablePortClash: true };
			throw new Error(
				`dovecot "${this.name}" did not come up: ${(error as Error).message}\n${details}`,
			);
		}
		return { retryablePortClash: false };
	}

	private userFile(user: string): string {
		return path.join(this.dir, 'users', user);
	}

	/**
	 * Dovecot stats a passwd-file at most once per second and reloads it when its mtime or size changed. One file
	 * per user (`users/%u`) makes a new user visible at once; replacing or removing one waits for the next second.
	 */
	private async changeUser(user: string, password: string | null): Promise<void> {
		checkUserName(user);
		const file = this.userFile(user);
		const existed = fs.existsSync(file);
		if (password === null) {
			fs.rmSync(file, { force: true });
		} else {
			const home = path.join(this.dir, 'mail', user);
			writeSecretFile(
				`${file}.new`,
				`${passwdLine(user, password, this.owner, home)}\n`,
				this.owner,
			);
			fs.renameSync(`${file}.new`, file);
			const mtime = Math.max(Math.floor(Date.now() / 1000), (this.userMtimes.get(user) ?? 0) + 1);
			this.userMtimes.set(user, mtime);
			fs.utimesSync(file, mtime, mtime);
		}
		if (existed) await new Promise((resolve) => setTimeout(resolve, 1005 - (Date.now() % 1000)));
	}

	writeMasters(): void {
		if (!this.master) return;
		checkUserName(this.master.user);
		const hash = `{PLAIN.b64}${Buffer.from(this.master.password, 'utf8').toString('base64')}`;
		writeSecretFile(path.join(this.dir, 'masters'), `${this.master.user}:${hash}\n`, this.owner);
	}

	addUser(user: string, password: string): Promise<void> {
		return this.changeUser(user, password);
	}

	removeUser(user: string): Promise<void> {
		return this.changeUser(user, null);
	}

	mailboxPath(user: string): string {
		checkUserName(user);
		return path.join(this.dir, 'mail', user, 'Maildir');
	}

	doveadm(args: string[]): Promise<string> {
		return runDoveadm(this.confPath, args);
	}

	async imapConnections(user?: string): Promise<number> {
		// `who -1`: a header line, then one line per connection: "user proto pid ip".
		const lines = (await this.doveadm(['who', '-1'])).split('\n').slice(1);
		return lines
			.map((line) => line.trim().split(/\s+/))
			.filter(([name, protocol]) => protocol === 'imap' && (user === undefined || name === user))
			.length;
	}

	pids(): number[] {
		const master = runningMasterPid(this.baseDir);
		return master === null ? [] : [master, ...descendantPids(master)];
	}

	async restart(): Promise<void> {
		await this.stop();
		const { retryablePortClash } = await this.launch();
		if (retryablePortClash) {
			throw new Error(
				`dovecot "${this.name}" cannot restart: one of its ports (${this.port}, ${this.tlsPort}, ${this.lmtpPort}) was taken meanwhile`,
			);
		}
	}

	/**
	 * Signals the master and every descendant at once: on its own the master leaves logged-in imap processes
	 * running for seconds, so clients would not see the "restart" at all.
	 */
	async stop(): Promise<void> {
		const master = runningMasterPid(this.baseDir);
		if (master === null) return;
		const group = [master, ...descendantPids(master)].map(processIdentity);
		signalSame(group, 'SIGTERM');
		if (await waitUntilGone(pidsOf(group), 3_000)) return;
		signalSame(group, 'SIGKILL');
		if (!(await waitUntilGone(pidsOf(group), 5_000))) {
			throw new Error(
				`dovecot "${this.name}": processes ${pidsOf(group).filter(isAlive).join(', ')} outlived SIGKILL`,
			);
		}
	}

	async remove(): Promise<void> {
		await this.stop();
		if (process.env.KEEP_TEST_SERVICES === '1') return;
		fs.rmSync(this.removableDir, { recursive: true, force: true });
	}
}

/** Starts a private Dovecot; resolves when both ports greet. Throws with the log on startup errors. */
export async function startDovecot(options: DovecotOptions): Promise<DovecotServer> {
	if (!INSTANCE_NAME.test(options.name))
		throw new Error(`invalid instance name ${JSON.stringify(options.name)}`);
	ensureDebianPackages(
		['dovecot-core', 'dovecot-imapd', 'openssl'],
		[DOVECOT, DOVEADM, '/usr/lib/dovecot/imap', '/usr/lib/dovecot/imap-login', 'openssl'],
	);
	// The module is a library, not an executable: dpkg-query tells whether it is there.
	if (options.ldap) ensureDebianPackages(['dovecot-ldap']);
	if (options.lmtp) ensureDebianPackages(['dovecot-lmtpd'], [LMTP]);
	const ownTempDir = options.parentDir === undefined;
	const parent = options.parentDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mm-test-'));
	const dir = path.join(parent, options.name);
	if (fs.existsSync(dir))
		throw new Error(`instance folder ${dir} exists already: names must be unique`);
	const owner = mailOwner();
	for (const sub of ['run', 'state', 'log', 'mail', 'users'])
		fs.mkdirSync(path.join(dir, sub), { recursive: true });
	// Mail processes run unprivileged and must reach their homes under our (root-owned, 0700) temp dirs.
	for (const traversed of ownTempDir ? [parent, dir] : [dir]) fs.chmodSync(traversed, 0o755);
	fs.chownSync(path.join(dir, 'mail'), owner.uid, owner.gid);
	const certPem = writeSelfSigned(path.join(dir, 'tls'), LOOPBACK_SERVER);
	const server = new DovecotInstance(options, dir, ownTempDir ? parent : dir, owner, certPem);
	server.writeMasters();
	try {
		for (let attempt = 1; ; attempt++) {
			[server.port, server.tlsPort, server.lmtpPort] = await Promise.all([
				freePort(),
				freePort(),
				options.lmtp ? freePort() : Promise.resolve(0),
			]);
			const ports = [server.port, server.tlsPort, server.lmtpPort].filter((port) => port !== 0);
			if (new Set(ports).size !== ports.length) continue;
			server.writeConfig();
			const { retryablePortClash } = await server.launch();
			if (!retryablePortClash) return server;
			if (attempt >= START_ATTEMPTS)
				throw new Error(`dovecot "${options.name}": no free ports after ${attempt} tries`);
		}
	} catch (error) {
		// A failed start leaves nothing behind (the log is in the error); TestServices removes its own dir.
		if (ownTempDir) await server.remove();
		throw error;
	}
}
