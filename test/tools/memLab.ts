/**
 * Memory lab for issue 3 (peak RSS against corpus size). Starts two private Dovecots, loads seeded small-message
 * corpora into source users `scale<N>`, creates target users `dst1..dst<targets>`, writes the endpoints to
 * `<out>/env.json` and stays up until SIGTERM/SIGINT (then stops both servers and removes their dir).
 *
 *   node .build-mem/test/tools/memLab.js --out /tmp/memlab --sizes 1000,5000,20000 --targets 80
 */
import fs from 'node:fs';
import path from 'node:path';

import { generateCorpus } from '../bench/corpus';
import { loadCorpus } from '../bench/loadCorpus';
import { TestServices } from '../harness/services';

const PASSWORD = 'benchpass';

async function main(): Promise<void> {
	const args = new Map<string, string>();
	for (let index = 2; index < process.argv.length; index += 2)
		args.set(process.argv[index].replace(/^--/, ''), process.argv[index + 1]);
	const out = args.get('out') ?? '/tmp/memlab';
	const sizes = (args.get('sizes') ?? '1000,5000,20000').split(',').map(Number);
	const targets = Number(args.get('targets') ?? 80);
	fs.mkdirSync(out, { recursive: true });
	const services = new TestServices();
	const stop = async () => {
		await services.stopAll().catch(() => undefined);
		process.exit(0);
	};
	process.on('SIGTERM', () => void stop());
	process.on('SIGINT', () => void stop());
	const [source, target] = await Promise.all([
		services.dovecot({ name: 'lab-source' }),
		services.dovecot({ name: 'lab-target' }),
	]);
	for (const size of sizes) {
		const user = `scale${size}`;
		await source.addUser(user, PASSWORD);
		const started = Date.now();
		await loadCorpus(source, user, PASSWORD, generateCorpus(size, 7, { smallOnly: true }));
		process.stderr.write(
			`[lab] loaded ${size} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
		);
	}
	for (let index = 1; index <= targets; index++) await target.addUser(`dst${index}`, PASSWORD);
	fs.writeFileSync(
		path.join(out, 'env.json'),
		JSON.stringify({
			password: PASSWORD,
			source: { host: source.host, port: source.port },
			target: { host: target.host, port: target.port, dir: target.dir },
			sizes,
			targets,
		}),
	);
	process.stderr.write(`[lab] ready: ${path.join(out, 'env.json')}\n`);
	setInterval(() => undefined, 1 << 30);
}

main().catch((error: unknown) => {
	process.stderr.write(
		`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
