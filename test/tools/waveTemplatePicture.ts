/**
 * Takes the README's picture of the pipeline, docs/wave-template.png: the shipped migration-wave.json in n8n's editor
 * (a private `n8n start` with this package, Debian's chromium), fitted to the window and cropped to its nodes and
 * notes. The template's credentials are imported empty under the ids it names, so no node shows a missing one.
 *
 *   npm run docs:picture
 */
import fs from 'node:fs';
import path from 'node:path';

import { launchChromium, signIn, startN8nServer } from '../e2e/n8nEditor';
import {
	createN8nHome,
	importCredentials,
	importWorkflow,
	loadTemplate,
	packPackage,
	removeN8nHome,
	type CredentialImport,
} from '../e2e/n8nRuntime';

const TEMPLATE = 'migration-wave.json';
/** test/tools/ compiled to .build/test/tools/. */
const PICTURE = path.resolve(__dirname, '../../../docs/wave-template.png');
/** The README shows it in a page column: anything larger only slows the page down. */
const MAX_BYTES = 300_000;
const MARGIN = 24;
/** Resolves after the browser has drawn two more frames (this file is compiled without the DOM's types). */
const TWO_FRAMES =
	'new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))';
/** Wide enough that the nodes' names stay readable once the template is fitted to the window. */
const VIEWPORT = { width: 2400, height: 1000 };

interface Node {
	name: string;
	type: string;
	credentials?: Record<string, { id: string; name: string }>;
}

function credentialsNamedBy(nodes: Node[]): CredentialImport[] {
	const byId = new Map<string, CredentialImport>();
	for (const node of nodes)
		for (const [type, { id, name }] of Object.entries(node.credentials ?? {}))
			byId.set(id, { id, name, type, data: {} });
	return [...byId.values()];
}

async function main(): Promise<void> {
	const workflow = loadTemplate(TEMPLATE);
	const nodes = workflow.nodes as Node[];
	const home = await createN8nHome(packPackage());
	const server = await (async () => {
		await importCredentials(home, credentialsNamedBy(nodes));
		await importWorkflow(home, workflow);
		return startN8nServer(home);
	})();
	const editor = await launchChromium(server.url, VIEWPORT);
	try {
		const { page } = editor;
		page.setDefaultTimeout(120_000);
		await signIn(page, server.owner);
		await page.goto(`/workflow/${String(workflow.id)}`);
		const onCanvas = page.locator(
			'[data-test-id="canvas-node"], [data-node-type="n8n-nodes-base.stickyNote"]',
		);
		for (const node of nodes)
			await page.locator(`[data-node-name="${node.name}"]`).first().waitFor();
		await page.locator('[data-test-id="zoom-to-fit"]').click();
		// Every icon has loaded (an <img> with pixels); the fit has settled once two frames give the same boxes.
		for (const icon of await page.locator('[data-test-id="canvas-node"] img').all())
			await page.waitForFunction(
				(element: unknown) => {
					const image = element as { complete: boolean; naturalWidth: number };
					return image.complete && image.naturalWidth > 0;
				},
				await icon.elementHandle(),
			);
		const boxes = async () =>
			onCanvas.evaluateAll((elements) =>
				elements.map((element) => {
					const box = element.getBoundingClientRect();
					// The node's name is written under its box.
					return [box.left, box.top, box.right, box.bottom + 40];
				}),
			);
		let previous = '';
		for (let current = JSON.stringify(await boxes()); current !== previous;) {
			previous = current;
			await page.evaluate(TWO_FRAMES);
			current = JSON.stringify(await boxes());
		}
		const all = JSON.parse(previous) as number[][];
		const left = Math.max(0, Math.min(...all.map((box) => box[0])) - MARGIN);
		const top = Math.max(0, Math.min(...all.map((box) => box[1])) - MARGIN);
		const right = Math.min(VIEWPORT.width, Math.max(...all.map((box) => box[2])) + MARGIN);
		const bottom = Math.min(VIEWPORT.height, Math.max(...all.map((box) => box[3])) + MARGIN);
		const png = await page.screenshot({
			clip: { x: left, y: top, width: right - left, height: bottom - top },
		});
		if (png.length > MAX_BYTES)
			throw new Error(`the picture has ${png.length} bytes, more than ${MAX_BYTES}: not written`);
		fs.writeFileSync(PICTURE, png);
		process.stdout.write(
			`${PICTURE}: ${Math.round(right - left)}x${Math.round(bottom - top)}, ${png.length} bytes\n`,
		);
	} finally {
		await editor.close();
		await server.stop();
		removeN8nHome(home);
	}
}

main().catch((error: unknown) => {
	process.stderr.write(
		`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
