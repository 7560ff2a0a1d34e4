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

function apt(args: string[]): void {
	execFileSync('apt-get', args, {
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
