import { execFileSync, spawnSync } from 'node:child_process';

function isInstalled(pkg: string): boolean {
	const query = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
	return query.status === 0 && query.stdout.includes('install ok installed');
}

function isRoot(): boolean {
	return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Makes sure the Debian packages are installed: a quick dpkg-query when they are, apt-get when root,
 * otherwise an Error that names exactly what to install.
 */
export function ensureDebianPackages(packages: string[]): void {
	const missing = packages.filter((pkg) => !isInstalled(pkg));
	if (missing.length === 0) return;
	if (!isRoot()) {
		throw new Error(
			`missing Debian packages: ${missing.join(' ')} (install them as root: apt-get install -y ${missing.join(' ')})`,
		);
	}
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const install = () =>
		spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
			env,
			encoding: 'utf8',
		});
	let result = install();
	if (result.status !== 0) {
		// A fresh container has no package lists yet; refresh them once and retry.
		execFileSync('apt-get', ['update'], { env, stdio: 'ignore' });
		result = install();
	}
	if (result.status !== 0) {
		throw new Error(
			`apt-get install ${missing.join(' ')} failed (exit ${result.status}): ${result.stderr.slice(-2000)}`,
		);
	}
}
