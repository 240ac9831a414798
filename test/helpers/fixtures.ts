/** Suite fixtures: servers started before a describe block's tests and stopped after them. */
import {afterAll, beforeAll} from 'vitest';
import {startProduction, type Production} from './production.js';
import {startSshd, type Sshd} from './sshd.js';

export type ProductionFixture = {readonly sshd: Sshd; readonly production: Production};

/** A private OpenSSH sshd and a production checkout behind it, for the enclosing describe block. */
export function useProduction(): ProductionFixture {
	let sshd: Sshd | undefined;
	let production: Production | undefined;
	beforeAll(async () => {
		sshd = await startSshd();
		production = await startProduction(sshd);
	});
	afterAll(async () => {
		await production?.stop();
		await sshd?.stop();
	});
	return {
		get sshd() {
			if (!sshd) throw new Error('the sshd is started in beforeAll: use it inside a test');
			return sshd;
		},
		get production() {
			if (!production) throw new Error('the production is started in beforeAll: use it inside a test');
			return production;
		},
	};
}
