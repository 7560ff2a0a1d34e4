/**
 * The editor as a user sees it, in Debian's chromium against a private n8n with this package installed: every
 * shipped template opens with each node and its icon, each of our five nodes' panels opens with what it is about
 * (Migrate's Target Type and credentials, Provision Target's Directory, Set Routing's operations, Notify CRM's
 * stages, the Report's operations), a `{uid}` DN template stays a fixed value, what n8n does with `{{` typed into a
 * field is recorded, and the Microsoft 365 (App) credential form shows its fields. Every wait is on the page.
 * Screenshots are kept in `<artifacts>/screenshots/editor/` (see artifacts.ts).
 */
import fs from 'node:fs';
import path from 'node:path';

import type { Locator, Page } from 'playwright-core';

import { freshScreenshotFolder } from './artifacts';
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
	templateFiles,
	type N8nHome,
} from './n8nRuntime';

const REPO_ROOT = path.resolve(__dirname, '../..');
const TEMPLATES = templateFiles();
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

const ourNode = (
	index: number,
	name: string,
	type: string,
	parameters: Record<string, unknown> = {},
) => ({
	id: `e0000000-0000-4000-8000-0000000001${String(index).padStart(2, '0')}`,
	name,
	type: `${packageName}.${type}`,
	typeVersion: 1,
	position: [index * 220, 0],
	parameters,
});
/** Each of our nodes as dropped onto the canvas (its defaults), for the panel checks. */
const PANELS = {
	id: 'mmEditorPanels01',
	name: 'Editor test: our five nodes',
	active: false,
	settings: { executionOrder: 'v1' },
	connections: {},
	nodes: [
		{ ...CONTROL.nodes[0], id: 'e0000000-0000-4000-8000-000000000100' },
		ourNode(1, 'Provision Target', 'provisionTarget'),
		ourNode(2, 'Set Routing', 'setRouting'),
		ourNode(3, 'Notify CRM', 'notifyCrm'),
		ourNode(4, 'Migration Report', 'report'),
	],
};
/** Where the typing checks type, saved and read back through n8n's REST API. */
const TYPING = {
	...PANELS,
	id: 'mmEditorTyping01',
	name: 'Editor test: typing templates',
	nodes: [
		PANELS.nodes[0],
		ourNode(1, 'Provision Target', 'provisionTarget', { directory: 'ldap', migrationId: 'wave-1' }),
		ourNode(2, 'Set Routing', 'setRouting', { entryLookup: 'dn' }),
	],
};
const DN_TEMPLATE = 'uid={uid},ou=people,dc=example,dc=test';

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

/** The options a select parameter offers, as their headlines; the dropdown is closed again. */
async function offered(field: Locator): Promise<string[]> {
	const page = field.page();
	await field.click();
	const options = page.locator('.el-select-dropdown__item:visible .option-headline');
	await options.first().waitFor();
	const names = await options.allInnerTexts();
	await page.keyboard.press('Escape');
	await options.first().waitFor({ state: 'hidden' });
	return names;
}

async function choose(field: Locator, option: string): Promise<void> {
	await field.click();
	await field
		.page()
		.getByRole('option', { name: new RegExp(`^${option.replace(/[()+]/g, '\\$&')}`) })
		.click();
}

/** A parameter's field in the open panel, by its name. */
const parameter = (panel: Locator, name: string) =>
	panel.locator(`[data-test-id="parameter-input-${name}"]`);
/** A fixed collection (a list of groups of fields, e.g. Notify CRM's stages) in the open panel, by its name. */
const collection = (panel: Locator, name: string) =>
	panel.locator(`[data-test-id="fixed-collection-${name}"]`);
/** n8n shows a parameter in expression mode as its inline expression editor instead of a text input. */
const inExpressionMode = (field: Locator) =>
	field.locator('[data-test-id="inline-expression-editor-input"]');
const credentialSlot = (panel: Locator, type: string) =>
	panel.locator('[data-test-id="node-credentials-slot"]', { hasText: type });

/** Empties a text parameter and types into it: key by key as a person types, or all at once as a paste. */
async function typeInto(field: Locator, text: string, how: 'typed' | 'pasted' = 'typed') {
	const page = field.page();
	await field.locator('input').click();
	await page.keyboard.press('ControlOrMeta+a');
	await page.keyboard.press('Backspace');
	// One input event with the whole text, which is what a paste gives the field.
	if (how === 'pasted') await page.keyboard.insertText(text);
	else await page.keyboard.type(text);
}

/** Saves the open workflow (Ctrl+S, as a person does) and reads what n8n stored, through its REST API. */
async function saveAndRead(
	page: Page,
	id: string,
): Promise<{ nodes: Array<TemplateNode & { parameters: Record<string, unknown> }> }> {
	const saved = page.waitForResponse(
		(response) =>
			response.url().endsWith(`/rest/workflows/${id}`) && response.request().method() === 'PATCH',
	);
	await page.keyboard.press('ControlOrMeta+s');
	expect((await saved).status()).toBe(200);
	// The session cookie is bound to the browser id the editor sends with each request.
	const browserId = await page.evaluate(() => localStorage.getItem('n8n-browserId'));
	const answer = await page.request.get(`/rest/workflows/${id}`, {
		headers: { 'browser-id': browserId ?? '' },
	});
	expect(answer.status()).toBe(200);
	return (
		(await answer.json()) as {
			data: { nodes: Array<TemplateNode & { parameters: Record<string, unknown> }> };
		}
	).data;
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
	/** Until set up, and once any check fails: keeps n8n's home (with its log). */
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

	/** Opens a node's panel (its parameters tab) in the workflow on the page, and returns the panel. */
	const openNode = async (page: Page, node: string) => {
		await canvasNode(page, node).dblclick();
		const panel = page.locator('[data-test-id="ndv"]');
		await panel.waitFor();
		return panel;
	};

	/** Opens a workflow (dropping unsaved changes on the page) and a node's panel. */
	const openPanel = async (page: Page, id: string, node: string) => {
		await openWorkflow(page, id, node);
		return openNode(page, node);
	};

	const closePanel = async (panel: Locator) => {
		await panel.locator('[data-test-id="ndv-close-button"]').click();
		await panel.waitFor({ state: 'hidden' });
	};

	beforeAll(async () => {
		shots = freshScreenshotFolder('editor');
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
		for (const workflow of [CONTROL, PANELS, TYPING]) await importWorkflow(home, workflow);
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
		if (shots) process.stderr.write(`[n8n-e2e] editor screenshots in ${shots}\n`);
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

	// The package's own build (what packPackage packed): its n8n-workflow import resolves in the repository.
	it('every node of the package is in a shipped template, so the checks above see each one render', async () => {
		const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
			n8n: { nodes: string[] };
		};
		const ours: string[] = [];
		for (const file of manifest.n8n.nodes) {
			const exported = (await import(path.join(REPO_ROOT, file))) as Record<
				string,
				new () => { description: { name: string } }
			>;
			for (const Node of Object.values(exported))
				if (typeof Node === 'function') ours.push(`${packageName}.${new Node().description.name}`);
		}
		expect(ours).toHaveLength(manifest.n8n.nodes.length);
		const inTemplates = new Set(
			TEMPLATES.flatMap((file) =>
				(loadTemplate(file).nodes as TemplateNode[]).map((node) => node.type),
			),
		);
		expect(ours.filter((type) => !inTemplates.has(type))).toEqual([]);
	});

	it(
		'the Migrate Mailbox panel offers the three target types and asks for the credential of the one chosen',
		async () => {
			await asSeen('migrate-panel', async (page) => {
				const workflow = loadTemplate('migrate-microsoft365.json');
				const panel = await openPanel(page, workflow.id as string, 'Migrate');
				const targetType = parameter(panel, 'targetType');
				await targetType.waitFor();
				const slot = (type: string) => credentialSlot(panel, type);
				const chosen = (name: string) => choose(targetType, name);

				// As shipped: Exchange Online, which asks for Microsoft 365 (App) with our credential icon.
				expect(await targetType.locator('input').inputValue()).toBe(
					'Exchange Online (IMAP, OAuth)',
				);
				const microsoft = slot('Microsoft 365 (App)');
				await microsoft.waitFor();
				expect(await microsoft.locator('img').getAttribute('src')).toBe(
					`/icons/${packageName}/dist/nodes/common/icons/microsoft365App.svg`,
				);
				expect(await slot('Mail Target (IMAP)').count()).toBe(0);

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
				await slot('Mail Target (IMAP)').waitFor();
				await microsoft.waitFor({ state: 'detached' });
				await panel.locator('[data-test-id="parameter-input-targetPassword"]').waitFor();
				await screenshot('migrate-panel-imap');

				await chosen('Microsoft 365 (Graph)');
				await microsoft.waitFor();
				await slot('Mail Target (IMAP)').waitFor({ state: 'detached' });
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
		'the Provision Target panel offers its two directories and asks for the credential of the one chosen',
		async () => {
			await asSeen('provision-panel', async (page) => {
				const panel = await openPanel(page, PANELS.id, 'Provision Target');
				const directory = parameter(panel, 'directory');
				expect(await directory.locator('input').inputValue()).toBe('Microsoft 365');
				expect((await offered(directory)).sort()).toEqual(['LDAP Directory', 'Microsoft 365']);
				await credentialSlot(panel, 'Microsoft 365 (App)').waitFor();
				await screenshot('provision-panel-microsoft365');

				await choose(directory, 'LDAP Directory');
				const ldap = credentialSlot(panel, 'LDAP Directory');
				await ldap.waitFor();
				expect(await ldap.locator('img').getAttribute('src')).toBe(
					`/icons/${packageName}/dist/nodes/common/icons/ldapDirectory.svg`,
				);
				await credentialSlot(panel, 'Microsoft 365 (App)').waitFor({ state: 'detached' });
				for (const name of ['dnTemplate', 'objectClasses', 'passwordSource', 'verifyLogin'])
					await parameter(panel, name).waitFor();
				await screenshot('provision-panel-ldap');
				expect(await page.locator(ERROR_TOAST).allInnerTexts()).toEqual([]);
			});
		},
		TEST_TIMEOUT,
	);

	it(
		'the Set Routing panel offers Switch, Verify and Rollback, asks for an LDAP Directory, and Rollback asks for its scope',
		async () => {
			await asSeen('routing-panel', async (page) => {
				const panel = await openPanel(page, PANELS.id, 'Set Routing');
				const operation = parameter(panel, 'operation');
				expect(await operation.locator('input').inputValue()).toBe('Switch');
				expect(await offered(operation)).toEqual(['Switch', 'Verify', 'Rollback']);
				await credentialSlot(panel, 'LDAP Directory').waitFor();
				for (const name of ['user', 'wave', 'entryLookup']) await parameter(panel, name).waitFor();
				await collection(panel, 'routingAttributes').waitFor();
				await screenshot('routing-panel-switch');

				await choose(operation, 'Rollback');
				await parameter(panel, 'rollbackScope').waitFor();
				await parameter(panel, 'entryLookup').waitFor({ state: 'detached' });
				await screenshot('routing-panel-rollback');
				expect(await page.locator(ERROR_TOAST).allInnerTexts()).toEqual([]);
			});
		},
		TEST_TIMEOUT,
	);

	it(
		'the Notify CRM panel shows the four stages of its plan, and Mark Sent has no plan to show',
		async () => {
			await asSeen('notify-panel', async (page) => {
				const panel = await openPanel(page, PANELS.id, 'Notify CRM');
				const operation = parameter(panel, 'operation');
				expect(await operation.locator('input').inputValue()).toBe('Send');
				// n8n appends "Custom API Call" to the operations of any node with an HTTP auth credential.
				expect((await offered(operation)).slice(0, 3)).toEqual(['Send', 'Plan Only', 'Mark Sent']);
				const plan = collection(panel, 'plan');
				await plan.waitFor();
				const values = (name: string) =>
					plan
						.locator(`[data-test-id="parameter-input-${name}"] input`)
						.evaluateAll((inputs) => inputs.map((input) => (input as { value: string }).value));
				expect(await values('name')).toEqual(['T-7', 'T-1', 'T+0', 'T+1']);
				expect(await values('offsetDays')).toEqual(['-7', '-1', '0', '1']);
				expect(await values('timeOfDay')).toEqual(['09:00', '09:00', '08:00', '10:00']);
				await parameter(panel, 'provider').waitFor();
				await screenshot('notify-panel-send');

				await choose(operation, 'Mark Sent');
				await plan.waitFor({ state: 'detached' });
				await screenshot('notify-panel-markSent');
				expect(await page.locator(ERROR_TOAST).allInnerTexts()).toEqual([]);
			});
		},
		TEST_TIMEOUT,
	);

	it(
		'the Migration Report panel offers its three reports and the digest acknowledgement, each with its own fields',
		async () => {
			await asSeen('report-panel', async (page) => {
				const panel = await openPanel(page, PANELS.id, 'Migration Report');
				const operation = parameter(panel, 'operation');
				expect(await operation.locator('input').inputValue()).toBe('Wave Summary');
				expect(await offered(operation)).toEqual([
					'Wave Summary',
					'Not Migrated',
					'Error Digest',
					'Advance Digest Mark',
				]);
				await parameter(panel, 'scope').waitFor();
				await screenshot('report-panel-waveSummary');

				await choose(operation, 'Error Digest');
				await parameter(panel, 'since').waitFor();
				await parameter(panel, 'digestName').waitFor();
				await screenshot('report-panel-errorDigest');

				await choose(operation, 'Advance Digest Mark');
				await parameter(panel, 'digestMark').waitFor();
				await screenshot('report-panel-advanceDigestMark');
				expect(await page.locator(ERROR_TOAST).allInnerTexts()).toEqual([]);
			});
		},
		TEST_TIMEOUT,
	);

	it(
		'a {uid} DN template typed into Provision Target and Set Routing stays a fixed value, stored as typed',
		async () => {
			await asSeen('dn-templates', async (page) => {
				await openWorkflow(page, TYPING.id, 'Start');
				for (const node of ['Provision Target', 'Set Routing']) {
					const panel = await openNode(page, node);
					const field = parameter(panel, 'dnTemplate');
					await typeInto(field, DN_TEMPLATE);
					expect(await field.locator('input').inputValue()).toBe(DN_TEMPLATE);
					expect(await inExpressionMode(field).count()).toBe(0);
					await screenshot(`dn-template-${node}`);
					await closePanel(panel);
				}
				const stored = await saveAndRead(page, TYPING.id);
				for (const node of ['Provision Target', 'Set Routing'])
					expect({
						node,
						dnTemplate: stored.nodes.find((candidate) => candidate.name === node)?.parameters
							.dnTemplate,
					}).toEqual({ node, dnTemplate: DN_TEMPLATE });
			});
		},
		TEST_TIMEOUT,
	);

	it(
		'what n8n makes of {{ in a text field: "{{ " or a pasted {{...}} turns it into an expression, {{...}} typed after a value does not',
		async () => {
			await asSeen('double-braces', async (page) => {
				const panel = await openPanel(page, TYPING.id, 'Provision Target');
				// Login and Object Classes are plain string parameters; DN Template has noDataExpression.
				await typeInto(parameter(panel, 'login'), '{{ ');
				await inExpressionMode(parameter(panel, 'login')).waitFor();
				await typeInto(parameter(panel, 'objectClasses'), 'uid={{uid}}', 'pasted');
				await inExpressionMode(parameter(panel, 'objectClasses')).waitFor();
				// After the value the field holds ("wave-1"), key by key.
				await parameter(panel, 'migrationId').locator('input').click();
				await page.keyboard.press('End');
				await page.keyboard.type('-{{uid}}');
				await typeInto(parameter(panel, 'dnTemplate'), 'uid={{ ');
				await screenshot('double-braces');
				expect(await inExpressionMode(parameter(panel, 'migrationId')).count()).toBe(0);
				expect(await inExpressionMode(parameter(panel, 'dnTemplate')).count()).toBe(0);
				await closePanel(panel);
				const stored = await saveAndRead(page, TYPING.id);
				const { login, objectClasses, migrationId, dnTemplate } = stored.nodes.find(
					(candidate) => candidate.name === 'Provision Target',
				)!.parameters;
				expect({ login, objectClasses, migrationId, dnTemplate }).toEqual({
					// "{{ " completes to an expression: the leading "=" is n8n's expression marker.
					login: '={{  }}',
					// A whole {{...}} arriving at once in an empty field (a paste) makes it an expression.
					objectClasses: '=uid={{uid}}',
					// Typed key by key after a value: stays as typed.
					migrationId: 'wave-1-{{uid}}',
					// noDataExpression keeps the field fixed, yet n8n still closes the braces it was given.
					dnTemplate: 'uid={{  }}',
				});
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
