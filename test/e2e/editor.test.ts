/**
 * The editor as a user sees it, in Debian's chromium against a private n8n with this package installed: every
 * shipped template opens with each node and its icon, the Migrate Mailbox panel offers Target Type and swaps the
 * credential it asks for, and the Microsoft 365 (App) credential form shows its fields. Every wait is on the page.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Locator, Page } from 'playwright-core';

import {
	launchChromium,
	signIn,
	startN8nServer,
	type EditorBrowser,
	type N8nServer,
} from './n8nEditor';
import {
	createN8nHome,
	importCredentials,
	importWorkflow,
	loadTemplate,
	packageName,
	packPackage,
	removeN8nHome,
	type N8nHome,
} from './n8nRuntime';

const REPO_ROOT = path.resolve(__dirname, '../..');
const TEMPLATES = fs
	.readdirSync(path.join(REPO_ROOT, 'workflows'))
	.filter((file) => file.endsWith('.json'))
	.sort();
/** Generous, for a slow and busy machine: how long any one thing may take to appear on the page. */
const UI_TIMEOUT = 120_000; // the page's default for every wait, click and navigation
const TEST_TIMEOUT = 10 * 60_000;
const STICKY = 'n8n-nodes-base.stickyNote';
/** n8n's node icon renders this (a "?" or the type's first letter) when it has no icon for a node. */
const MISSING_ICON = '[class*="_nodeIconPlaceholder_"]';
/** Element Plus marks the icon of an error notification (n8n's error toast) with this class. */
const ERROR_TOAST = '.el-notification:has(.el-notification--error)';
/** A workflow with a node type nobody provides: proves the missing-icon and error-toast checks can fail. */
const CONTROL = {
	id: 'mmEditorControl1',
	name: 'Editor test control: an unknown node',
	active: false,
	settings: { executionOrder: 'v1' },
	connections: {},
	nodes: [
		{
			id: 'e0000000-0000-4000-8000-000000000001',
			name: 'Start',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
		{
			id: 'e0000000-0000-4000-8000-000000000002',
			name: 'Ghost',
			type: `${packageName}.noSuchNode`,
			typeVersion: 1,
			position: [300, 0],
			parameters: {},
		},
	],
};

interface TemplateNode {
	name: string;
	type: string;
}

function canvasNode(page: Page, name: string): Locator {
	return page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`);
}

/** Resolves once the icon of a node has loaded (an image with pixels, or an inline SVG). */
async function iconLoaded(node: Locator): Promise<Locator> {
	const icon = node.locator('.n8n-node-icon').first().locator('img, svg').first();
	await icon.waitFor();
	// An <img> counts once it has pixels; an inline <svg> is there once it is visible.
	await icon.page().waitForFunction(
		(element: unknown) => {
			const image = element as { tagName: string; complete: boolean; naturalWidth: number };
			return image.tagName !== 'IMG' || (image.complete && image.naturalWidth > 0);
		},
		await icon.elementHandle(),
	);
	return icon;
}

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) =>
	a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('the n8n editor in a real browser', () => {
	let home: N8nHome;
	let server: N8nServer;
	let editor: EditorBrowser;
	let shots: string;
	let installedPackage: string;
	/** Until set up, and once any check fails: keeps the screenshots and n8n's home (with its log). */
	let failed = true;

	const screenshot = async (name: string) => {
		const file = path.join(shots, `${name.replace(/[^\w.-]+/g, '_')}.png`);
		await editor.page.screenshot({ path: file, fullPage: true });
		return file;
	};

	/** Runs the check; a failure gets a screenshot of the page and the path to n8n's log in its message. */
	const asSeen = async (name: string, check: (page: Page) => Promise<void>) => {
		try {
			await check(editor.page);
		} catch (error) {
			failed = true;
			const shot = await screenshot(`${name}-failure`).catch(
				(cause: Error) => `none (${cause.message})`,
			);
			(error as Error).message += `\nscreenshot: ${shot}\nn8n log: ${server?.logFile}`;
			throw error;
		}
	};

	const openWorkflow = async (page: Page, id: string, firstNode: string) => {
		await page.goto(`/workflow/${id}`);
		await canvasNode(page, firstNode).waitFor();
	};

	beforeAll(async () => {
		shots = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-editor-shots-'));
		home = await createN8nHome(packPackage());
		installedPackage = path.join(home.folder, '.n8n', 'nodes', 'node_modules', packageName);
		// A credential the templates name, so the panel shows one chosen and others still to create.
		await importCredentials(home, [
			{
				id: 'mailSource',
				name: 'Mail Source (IMAP)',
				type: 'mailSourceImap',
				data: {
					host: '127.0.0.1',
					port: 143,
					security: 'none',
					loginMode: 'mailbox',
					user: 'u',
					password: 'p',
				},
			},
		]);
		for (const file of TEMPLATES) await importWorkflow(home, loadTemplate(file));
		await importWorkflow(home, CONTROL);
		server = await startN8nServer(home);
		editor = await launchChromium(server.url);
		editor.page.setDefaultTimeout(UI_TIMEOUT);
		// Leaving a workflow with unsaved changes asks first; the test never saves, so it always leaves.
		editor.page.on('dialog', (dialog) => void dialog.accept());
		await signIn(editor.page, server.owner);
		failed = false;
	}, 20 * 60_000);

	afterAll(async () => {
		await editor?.close();
		await server?.stop();
		const keep = failed || process.env.KEEP_TEST_SERVICES === '1';
		if (keep) process.stderr.write(`[n8n-e2e] editor screenshots kept in ${shots}\n`);
		else if (shots) fs.rmSync(shots, { recursive: true, force: true });
		if (home && !failed) removeN8nHome(home);
	}, 2 * 60_000);

	it.each(TEMPLATES)(
		'%s opens with every node and its icon, our nodes with our SVG, no note over a node, no error toast',
		async (file) => {
			const workflow = loadTemplate(file);
			const nodes = workflow.nodes as TemplateNode[];
			const regular = nodes.filter((node) => node.type !== STICKY);
			await asSeen(file, async (page) => {
				await openWorkflow(page, workflow.id as string, regular[0].name);
				for (const node of regular) {
					const onCanvas = canvasNode(page, node.name);
					await onCanvas.waitFor();
					expect(await onCanvas.getAttribute('data-node-type')).toBe(node.type);
					const icon = await iconLoaded(onCanvas);
					expect({
						node: node.name,
						missingIcons: await onCanvas.locator(MISSING_ICON).count(),
					}).toEqual({
						node: node.name,
						missingIcons: 0,
					});
					if (!node.type.startsWith(`${packageName}.`)) continue;
					// Ours: the SVG shipped in the package (light theme), served by n8n byte for byte.
					const src = (await icon.getAttribute('src')) ?? '';
					const shipped = src.match(new RegExp(`^/icons/${packageName}/(dist/.+\\.svg)$`))?.[1];
					expect({ node: node.name, src, shipped: Boolean(shipped) }).toEqual({
						node: node.name,
						src,
						shipped: true,
					});
					const served = await page.request.get(src);
					expect(served.headers()['content-type']).toMatch(/^image\/svg\+xml/);
					const bytes = await served.body();
					expect(bytes.equals(fs.readFileSync(path.join(installedPackage, shipped!)))).toBe(true);
					expect(
						bytes.equals(fs.readFileSync(path.join(REPO_ROOT, shipped!.replace(/^dist\//, '')))),
					).toBe(true);
				}
				for (const { name } of nodes.filter((node) => node.type === STICKY)) {
					const sticky = page.locator(`[data-node-type="${STICKY}"][data-node-name="${name}"]`);
					await sticky.waitFor({ state: 'visible' });
					const note = (await sticky.boundingBox()) as Box;
					for (const node of regular) {
						const box = (await canvasNode(page, node.name).boundingBox()) as Box;
						expect({
							note: name,
							covers: node.name,
							overlaps: overlaps(note, box),
						}).toEqual({
							note: name,
							covers: node.name,
							overlaps: false,
						});
					}
				}
				expect(await page.locator(ERROR_TOAST).allInnerTexts()).toEqual([]);
				await screenshot(file);
			});
		},
		TEST_TIMEOUT,
	);

	it(
		'the Migrate Mailbox panel offers the three target types and asks for the credential of the one chosen',
		async () => {
			await asSeen('migrate-panel', async (page) => {
				const workflow = loadTemplate('migrate-microsoft365.json');
				await openWorkflow(page, workflow.id as string, 'Migrate');
				await canvasNode(page, 'Migrate').dblclick();
				const panel = page.locator('[data-test-id="ndv"]');
				await panel.waitFor();
				const targetType = panel.locator('[data-test-id="parameter-input-targetType"]');
				await targetType.waitFor();
				const credentialSlot = (type: string) =>
					panel.locator('[data-test-id="node-credentials-slot"]', { hasText: type });
				const chosen = async (name: string) => {
					await targetType.click();
					await page
						.getByRole('option', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')}`) })
						.click();
				};

				// As shipped: Exchange Online, which asks for Microsoft 365 (App) with our credential icon.
				expect(await targetType.locator('input').inputValue()).toBe(
					'Exchange Online (IMAP, OAuth)',
				);
				const microsoft = credentialSlot('Microsoft 365 (App)');
				await microsoft.waitFor();
				expect(await microsoft.locator('img').getAttribute('src')).toBe(
					`/icons/${packageName}/dist/nodes/common/icons/microsoft365App.svg`,
				);
				expect(await credentialSlot('Mail Target (IMAP)').count()).toBe(0);

				await targetType.click();
				const options = page.locator('.el-select-dropdown__item:visible .option-headline');
				await page.getByRole('option', { name: /^Microsoft 365 \(Graph\)/ }).waitFor();
				expect((await options.allInnerTexts()).sort()).toEqual([
					'Exchange Online (IMAP, OAuth)',
					'IMAP',
					'Microsoft 365 (Graph)',
				]);
				await page.keyboard.press('Escape');
				await screenshot('migrate-panel-exchangeOnline');

				await chosen('IMAP');
				await credentialSlot('Mail Target (IMAP)').waitFor();
				await microsoft.waitFor({ state: 'detached' });
				await panel.locator('[data-test-id="parameter-input-targetPassword"]').waitFor();
				await screenshot('migrate-panel-imap');

				await chosen('Microsoft 365 (Graph)');
				await microsoft.waitFor();
				await credentialSlot('Mail Target (IMAP)').waitFor({ state: 'detached' });
				expect(await targetType.locator('input').inputValue()).toBe('Microsoft 365 (Graph)');
				// Mail Source (IMAP) stays chosen throughout: the credential the workflow names, found by its id.
				expect(
					await panel
						.locator('[data-test-id="node-credentials-select"] input')
						.first()
						.inputValue(),
				).toBe('Mail Source (IMAP)');
				await screenshot('migrate-panel-graph');
				expect(await page.locator(ERROR_TOAST).allInnerTexts()).toEqual([]);
			});
		},
		TEST_TIMEOUT,
	);

	it(
		'the Microsoft 365 (App) credential, created from the credentials page, shows Tenant, Client ID, Authentication and Cloud',
		async () => {
			await asSeen('microsoft365-credential', async (page) => {
				await page.goto('/home/credentials');
				await page.locator('[data-test-id="add-resource-credential"]').click();
				const typeSelect = page.locator('[data-test-id="new-credential-type-select"]');
				await typeSelect.waitFor();
				await typeSelect.click();
				await page.keyboard.type('Microsoft 365 (App)');
				await page
					.locator('[data-test-id="new-credential-type-select-option"]', {
						hasText: /^Microsoft 365 \(App\)$/,
					})
					.click();
				await page.locator('[data-test-id="new-credential-type-button"]').click();

				const form = page.locator('[data-test-id="credential-edit-dialog"]');
				await form.waitFor();
				const field = (name: string) => form.locator(`[data-test-id="parameter-input-${name}"]`);
				for (const [name, label] of [
					['tenant', 'Tenant'],
					['clientId', 'Client ID'],
					['authentication', 'Authentication'],
					['cloud', 'Cloud'],
				]) {
					await field(name).waitFor();
					expect(await form.locator(`[data-test-id="${name}"]`).innerText()).toMatch(
						new RegExp(`^${label}\\b`),
					);
				}
				expect(await field('authentication').locator('input').inputValue()).toBe('Client Secret');
				expect(await field('cloud').locator('input').inputValue()).toBe('Global');
				await field('clientSecret').waitFor();
				expect(
					await page
						.locator('[data-test-id="editCredential-modal"] img')
						.first()
						.getAttribute('src'),
				).toBe(`/icons/${packageName}/dist/nodes/common/icons/microsoft365App.svg`);
				await screenshot('microsoft365-credential-secret');

				// Certificate swaps the secret for a private key and its thumbprint.
				await field('authentication').click();
				await page.getByRole('option', { name: 'Certificate', exact: true }).click();
				await field('privateKeyPem').waitFor();
				await field('thumbprint').waitFor();
				await field('clientSecret').waitFor({ state: 'detached' });
				await screenshot('microsoft365-credential-certificate');
				expect(await page.locator(ERROR_TOAST).allInnerTexts()).toEqual([]);
			});
		},
		TEST_TIMEOUT,
	);

	it(
		'control: a node type nobody provides shows the "?" icon, and running it raises the error toast these checks look for',
		async () => {
			await asSeen('control', async (page) => {
				await openWorkflow(page, CONTROL.id, 'Start');
				await iconLoaded(canvasNode(page, 'Start'));
				await canvasNode(page, 'Ghost').locator(MISSING_ICON).waitFor();
				expect(await canvasNode(page, 'Ghost').locator(MISSING_ICON).innerText()).toBe('?');
				expect(await canvasNode(page, 'Start').locator(MISSING_ICON).count()).toBe(0);
				await page.locator('[data-test-id="execute-workflow-button"]').click();
				const toast = page.locator(ERROR_TOAST);
				await toast.first().waitFor();
				expect(await toast.first().innerText()).toContain('noSuchNode');
			});
		},
		TEST_TIMEOUT,
	);
});
