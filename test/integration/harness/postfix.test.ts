import fs from 'node:fs';

import type { DovecotServer } from '../../harness/dovecot';
import { arrives as arrivesIn, inboxSubjects as inboxOf } from '../../harness/inbox';
import { SmtpRefusal, startPostfix, type PostfixServer } from '../../harness/postfix';
import { NO_ROUTE_SOCKET } from '../../harness/postfixConfig';
import { acceptsConnections } from '../../harness/ports';
import { isAlive } from '../../harness/processes';
import { TestServices } from '../../harness/services';
import type { SlapdServer } from '../../harness/slapd';

jest.setTimeout(120_000);

const PASSWORD = 'user:Secret-1';
const OLD_HOST = 'old.mail.test';
const NEW_HOST = 'new.mail.test';
const DELIVERY_DEADLINE_MS = 30_000;

const inboxSubjects = (server: DovecotServer, user: string) => inboxOf(server, user, PASSWORD);
const arrives = (server: DovecotServer, user: string, subject: string) =>
	arrivesIn(server, user, PASSWORD, subject);

/** Local addresses of the TCP sockets in LISTEN state that these processes hold (from /proc). */
function listeningAddresses(pids: number[]): string[] {
	const inodes = new Set<string>();
	for (const pid of pids) {
		let fds: string[] = [];
		try {
			fds = fs.readdirSync(`/proc/${pid}/fd`);
		} catch {
			continue;
		}
		for (const fd of fds) {
			try {
				const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
				if (match) inodes.add(match[1]);
			} catch {
				// Closed meanwhile.
			}
		}
	}
	const listening: string[] = [];
	for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
		for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
			const fields = line.trim().split(/\s+/);
			if (fields.length < 10 || fields[3] !== '0A' || !inodes.has(fields[9])) continue;
			const [hexAddress, hexPort] = fields[1].split(':');
			const address =
				hexAddress.length === 8
					? (hexAddress.match(/../g) as string[])
							.reverse()
							.map((byte) => parseInt(byte, 16))
							.join('.')
					: hexAddress;
			listening.push(`${address}:${parseInt(hexPort, 16)}`);
		}
	}
	return listening;
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

describe('test harness: private Postfix routing by LDAP mailHost to Dovecot over LMTP', () => {
	const services = new TestServices();
	let oldServer: DovecotServer;
	let newServer: DovecotServer;
	let mx: PostfixServer;
	let directory: SlapdServer;

	const addUser = async (uid: string, mailHost: string) => {
		await directory.addMailUser({ uid, mailLocalAddress: `${uid}@example.test`, mailHost });
	};

	async function setMailHost(uid: string, mailHost: string): Promise<void> {
		await directory.modify(
			[
				`dn: ${directory.userDn(uid)}`,
				'changetype: modify',
				'replace: mailHost',
				`mailHost: ${mailHost}`,
				'',
			].join('\n'),
		);
	}

	beforeAll(async () => {
		[directory, oldServer, newServer] = await Promise.all([
			services.slapd({ name: 'directory' }),
			services.dovecot({ name: 'old', lmtp: true }),
			services.dovecot({ name: 'new', lmtp: true }),
		]);
		for (const server of [oldServer, newServer]) {
			await server.addUser('alice', PASSWORD);
			await server.addUser('nomad', PASSWORD);
		}
		await addUser('alice', OLD_HOST);
		await addUser('nomad', 'unrouted.mail.test');
		mx = await services.postfix({
			name: 'mx',
			ldap: directory,
			routes: { [OLD_HOST]: oldServer, [NEW_HOST]: newServer },
		});
	}, 120_000);

	afterAll(async () => {
		await services.stopAll();
	});

	it('listens on 127.0.0.1 at its SMTP port only, from its own folder', () => {
		expect(listeningAddresses(mx.pids())).toEqual([`127.0.0.1:${mx.port}`]);
		const mainCf = fs.readFileSync(`${mx.dir}/conf/main.cf`, 'utf8');
		expect(mainCf).toMatch(/^mydestination =$/m);
		expect(mainCf).toMatch(/^inet_interfaces = loopback-only$/m);
		expect(mainCf).toMatch(new RegExp(`^queue_directory = ${mx.dir}/queue$`, 'm'));
		expect(mx.log()).toMatch(/daemon started/);
	});

	it("delivers to the Dovecot the recipient's mailHost names, and to no other", async () => {
		const sent = await mx.send({
			from: 'sender@outside.test',
			to: 'alice@example.test',
			subject: 'before the switch',
			body: 'to the old server',
		});
		await arrives(oldServer, 'alice', 'before the switch');
		const delivery = await mx.waitForDelivery(sent.queueId as string);
		expect(delivery).toMatchObject({
			status: 'sent',
			relay: `127.0.0.1[127.0.0.1]:${oldServer.lmtpPort}`,
		});
		expect(await inboxSubjects(newServer, 'alice')).toEqual([]);
	});

	it('follows a changed mailHost with the next message (ldap_table does not cache)', async () => {
		await setMailHost('alice', NEW_HOST);
		// Another sender: the queue manager reuses its last resolution of the same sender and recipient for 30 s.
		const sent = await mx.send({
			from: 'second-sender@outside.test',
			to: 'alice@example.test',
			subject: 'after the switch',
			body: 'to the new server',
		});
		await arrives(newServer, 'alice', 'after the switch');
		expect(await mx.waitForDelivery(sent.queueId as string)).toMatchObject({
			status: 'sent',
			relay: `127.0.0.1[127.0.0.1]:${newServer.lmtpPort}`,
		});
		expect(await inboxSubjects(oldServer, 'alice')).toEqual(['before the switch']);
	});

	it('refuses a recipient that is not in LDAP at RCPT, queueing nothing', async () => {
		const refusal = await mx
			.send({ from: 'sender@outside.test', to: 'stranger@example.test', subject: 'x', body: 'x' })
			.catch((error: unknown) => error);
		expect(refusal).toBeInstanceOf(SmtpRefusal);
		expect(refusal).toMatchObject({ command: 'RCPT TO', code: 550 });
		expect((refusal as SmtpRefusal).reply).toMatch(
			/5\.1\.1 .*User unknown in relay recipient table/,
		);
		const relayRefusal = await mx
			.send({ from: 'sender@outside.test', to: 'someone@elsewhere.test', subject: 'x', body: 'x' })
			.catch((error: unknown) => error);
		expect(relayRefusal).toMatchObject({ command: 'RCPT TO', code: 554 });
		expect(await mx.queue()).toEqual([]);
	});

	it('keeps mail for a mailHost without a route in the deferred queue, and retries it on flush', async () => {
		const sent = await mx.send({
			from: 'sender@outside.test',
			to: 'nomad@example.test',
			subject: 'waiting for a route',
			body: 'x',
		});
		const queueId = sent.queueId as string;
		expect(await mx.waitForDelivery(queueId)).toMatchObject({ status: 'deferred', relay: 'none' });
		expect(await mx.queue()).toEqual([
			{
				queueName: 'deferred',
				queueId,
				sender: 'sender@outside.test',
				arrivalTime: expect.any(Number) as unknown,
				size: expect.any(Number) as unknown,
				recipients: [
					{
						address: 'nomad@example.test',
						delayReason: expect.stringContaining(NO_ROUTE_SOCKET) as unknown,
					},
				],
			},
		]);
		await mx.flush();
		const deadline = Date.now() + DELIVERY_DEADLINE_MS;
		while (mx.deliveries(queueId).length < 2) {
			if (Date.now() > deadline) throw new Error(`flush did not retry ${queueId}:\n${mx.log()}`);
			await new Promise((resolve) => setTimeout(resolve, 25));
		}
		expect(await inboxSubjects(oldServer, 'nomad')).toEqual([]);
	});

	it('starts quickly (median of 5 printed) and stop leaves no process and no listener', async () => {
		const durations: number[] = [];
		for (let round = 0; round < 5; round++) {
			const started = Date.now();
			const instance = await startPostfix({
				name: `timed-${round}`,
				parentDir: services.dir,
				ldap: directory,
				routes: { [OLD_HOST]: oldServer },
			});
			durations.push(Date.now() - started);
			const pids = instance.pids();
			expect(pids.length).toBeGreaterThan(1);
			await instance.stop();
			expect(pids.filter(isAlive)).toEqual([]);
			expect(await acceptsConnections(instance.port)).toBe(false);
		}
		process.stdout.write(
			`postfix start-up: median ${median(durations)} ms of ${durations.join(', ')} ms\n`,
		);
		const pids = mx.pids();
		await mx.stop();
		expect(pids.filter(isAlive)).toEqual([]);
		expect(mx.pids()).toEqual([]);
		expect(await acceptsConnections(mx.port)).toBe(false);
		await mx.stop();
	});
});
