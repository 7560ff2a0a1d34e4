import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

let aptListsUpdated = false;

function isRoot(): boolean {
	return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** True when the name (a path, or a command looked up on PATH and the sbin dirs) is an executable file. */
function hasBinary(name: string): boolean {
	const candidates = name.includes('/')
		? [name]
		: [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'].map((dir) =>
				path.join(dir, name),
			);
	return candidates.some((candidate) => {
		try {
			fs.accessSync(candidate, fs.constants.X_OK);
			return fs.statSync(candidate).isFile();
		} catch {
			return false;
		}
	});
}

function missingPackages(packages: string[]): string[] {
	const query = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\\n', ...packages], {
		encoding: 'utf8',
	});
	if (query.error)
		throw new Error(`dpkg-query is not available (${query.error.message}): is this Debian?`);
	const installed = new Set(
		query.stdout
			.split('\n')
			.filter((line) => line.endsWith(' install ok installed'))
			.map((line) => line.split(' ')[0].split(':')[0]),
	);
	return packages.filter((name) => !installed.has(name));
}

/**
 * Debconf answers given before a package is installed, so its postinst configures nothing system-wide that a test
 * could come to depend on (our instances bring their own config). `.ci/run` feeds the same lines to CI.
 */
export const DEBCONF_ANSWERS: Record<string, string[]> = {
	// No /etc/ldap/slapd.d and no /var/lib/ldap database: even a started system slapd would have nothing to serve.
	slapd: ['slapd slapd/no_configuration boolean true'],
	// No /etc/postfix/main.cf: the postinst then starts no system postfix (that would take port 25).
	postfix: ['postfix postfix/main_mailer_type select No configuration'],
};

function preseed(packages: string[]): void {
	const answers = packages.flatMap((name) => DEBCONF_ANSWERS[name] ?? []);
	if (answers.length === 0) return;
	execFileSync('debconf-set-selections', [], { input: `${answers.join('\n')}\n` });
}

function apt(args: string[]): void {
	// Another test file (or person) may be installing at the same moment: wait for dpkg's lock, don't fail.
	execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], {
		env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
		stdio: ['ignore', 'pipe', 'pipe'],
		maxBuffer: 64 * 1024 * 1024,
	});
}

/**
 * Installing a daemon package on Debian starts its system service; tests only ever run private instances, so
 * services are kept from starting while we install (policy-rc.d exit code 101 = "action forbidden").
 */
function withServicesBlocked(work: () => void): void {
	const policy = '/usr/sbin/policy-rc.d';
	if (fs.existsSync(policy)) return work();
	fs.writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
	try {
		work();
	} finally {
		fs.rmSync(policy, { force: true });
	}
}

function describeFailure(error: unknown): string {
	const failure = error as { stderr?: Buffer | string; message?: string };
	const stderr = failure.stderr?.toString().trim();
	return (stderr ? stderr.split('\n').slice(-15).join('\n') : failure.message) ?? String(error);
}

/**
 * Makes sure Debian packages are installed: a no-op when they are (checked by the given binaries if any, else by
 * dpkg-query); installs the missing ones with apt-get when root; otherwise throws naming exactly what to install.
 */
export function ensureDebianPackages(packages: string[], binariesToCheck: string[] = []): void {
	if (binariesToCheck.length > 0 && binariesToCheck.every(hasBinary)) return;
	const missing = missingPackages(packages);
	if (missing.length === 0) return;
	const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
	if (!isRoot()) {
		throw new Error(
			`Missing Debian packages: ${missing.join(' ')}. Install them as root: ${command}`,
		);
	}
	const install = ['install', '-y', '--no-install-recommends', ...missing];
	preseed(missing);
	withServicesBlocked(() => {
		try {
			apt(install);
		} catch (firstError) {
			if (aptListsUpdated) throw new Error(`${command} failed:\n${describeFailure(firstError)}`);
			// A fresh machine has no package lists, an old one stale lists: refresh them once and try again.
			try {
				apt(['update']);
				aptListsUpdated = true;
				apt(install);
			} catch (error) {
				throw new Error(`${command} failed:\n${describeFailure(error)}`);
			}
		}
	});
	const stillMissing = missingPackages(missing);
	if (stillMissing.length > 0) {
		throw new Error(
			`apt-get reported success but these are not installed: ${stillMissing.join(' ')}`,
		);
	}
}
