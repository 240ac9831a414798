/**
 * The site's page as `rewind init` reads it from this machine: its <title> (what the check looks
 * for), and text HEAD's last commit added to the page's templates that the page shows now (proposed
 * for mustNotContain: it is right only if the bad deploy is that commit, so it is never written unasked).
 */
import {errorMessage} from '../core/errors.js';

/** Control or bidi characters: no text to look for on a page. */
const UNPRINTABLE = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

/** The page's <title> and body, or why there is none. */
export async function pageTitle(url: string): Promise<{title: string; body: string} | {problem: string; body?: string}> {
	try {
		const {httpRequest} = await import('../core/remote/http-request.js');
		const answer = await httpRequest(new URL(url), {signal: AbortSignal.timeout(5000), maxBodyBytes: 200_000});
		const title = /<title[^>]*>([^<]{1,200})<\/title>/i.exec(answer.body)?.[1]?.replace(/\s+/g, ' ').trim();
		if (title && !UNPRINTABLE.test(title)) return {title, body: answer.body};
		return {problem: `The page answered ${answer.status} without a usable <title>: set mustContain to text the good page shows.`, body: answer.body};
	} catch (error) {
		return {problem: `The page could not be read from here (${errorMessage(error)}): set mustContain to text the good page shows.`};
	}
}

/** The text of lines HEAD's last commit added to templates (tags dropped) that the page shows now: at most three. */
export function proposedMustNotContain(addedLines: readonly string[], body: string): string[] {
	const texts = addedLines
		.flatMap(line => line.split(/<[^>]*>/))
		.map(text => text.replace(/\s+/g, ' ').trim())
		.filter(text => text.length >= 3 && text.length <= 100 && !UNPRINTABLE.test(text) && /[A-Za-z]/.test(text) && !/[{}<>]/.test(text));
	return [...new Set(texts)].filter(text => body.includes(text)).slice(0, 3);
}
