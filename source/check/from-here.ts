/**
 * The checks `rewind check` makes from this machine, as a rollback makes those requests: the site
 * answers (one GET, as verification would read it) and PythonAnywhere's API token is valid (a GET of
 * the web app's details, which reloads nothing).
 */
import type {Config, SiteConfig} from '../core/config/schema.js';
import type {Redactor} from '../core/redact.js';
import {checkSite} from '../core/remote/http-check.js';
import {httpRequest, requestFailure} from '../core/remote/http-request.js';
import {readToken} from '../core/secrets.js';
import {fail, pass, type CheckResult} from './verdicts.js';

/** One answer, 200 with every site.mustContain text. site.mustNotContain names the bad release's page: not judged here. */
export async function siteCheck(site: SiteConfig): Promise<CheckResult> {
	const once = {...site, mustNotContain: [], confirmations: 1, timeoutSeconds: site.requestTimeoutSeconds, intervalSeconds: 60};
	const result = await checkSite(once, {signal: AbortSignal.timeout(site.requestTimeoutSeconds * 2000)});
	if (!result.ok)
		return fail(
			'site',
			`GET ${site.url}: ${result.failures.join('; ')}. Check site.url (and site.mustContain: text the good page shows).`,
			result.finalStatus === 200 ? 'site.mustContain' : 'site.url',
		);
	const texts = site.mustContain.length > 0 ? ` with ${site.mustContain.map(text => `"${text}"`).join(', ')} on the page` : '';
	return pass('site', `GET ${site.url} answered 200${texts}.`);
}

/** The web app's API address, from the reload URL (`…/webapps/<domain>/reload/` → `…/webapps/<domain>/`). */
export function webappUrl(reloadUrl: string): URL | undefined {
	const url = new URL(reloadUrl);
	if (!/\/reload\/?$/.test(url.pathname)) return undefined;
	url.pathname = url.pathname.replace(/reload\/?$/, '');
	return url;
}

/** reload.method pythonanywhere-api: the token is there and the API accepts it, without reloading. */
export async function apiTokenCheck(config: Config, redactor: Redactor, env: NodeJS.ProcessEnv): Promise<CheckResult | undefined> {
	const reload = config.reload;
	if (reload.method !== 'pythonanywhere-api') return undefined;
	const field = reload.tokenEnv ? 'reload.tokenEnv' : 'reload.tokenFile';
	const token = readToken(reload, env);
	if (!token)
		return fail(
			'reload',
			`no API token: ${reload.tokenEnv ? `${reload.tokenEnv} is not set` : ''}${reload.tokenEnv && reload.tokenFile ? ' and ' : ''}${reload.tokenFile ? `${reload.tokenFile} cannot be read` : ''}${!reload.tokenEnv && !reload.tokenFile ? 'neither reload.tokenEnv nor reload.tokenFile is set' : ''}.`,
			field,
		);
	redactor.add(token);
	const url = webappUrl(reload.url);
	if (!url) return fail('reload', `${reload.url} does not end in /reload/: it is not PythonAnywhere's reload API address.`, 'reload.url');
	const timeoutMs = config.site.requestTimeoutSeconds * 1000;
	let answer;
	try {
		answer = await httpRequest(url, {headers: {Authorization: `Token ${token}`}, signal: AbortSignal.timeout(timeoutMs), maxBodyBytes: 20_000});
	} catch (error) {
		return fail('reload', `the API at ${url.origin} could not be reached: ${requestFailure(error)}.`, 'reload.url');
	}
	if (answer.status === 200) return pass('reload', `the API token is valid for ${url.pathname} (GET answered 200; nothing was reloaded).`);
	const body = redactor.redact(answer.body).replace(/\s+/g, ' ').slice(0, 200);
	if (answer.status === 401 || answer.status === 403)
		return fail('reload', `the API answered ${answer.status} (${body}): the token is not valid. Set it to the token from Account → API token.`, field);
	if (answer.status === 404)
		return fail('reload', `the API knows no web app at ${url.pathname} (404): check the domain in reload.url (pythonanywhere.domain).`, 'reload.url');
	return fail('reload', `the API answered ${answer.status} ${answer.statusText} (${body}).`, 'reload.url');
}
