/** Small helpers for work that runs side by side. */

/** A promise's value or its error, as a value: it may settle before anyone awaits it (no unhandled rejection). */
export function settled<T>(promise: Promise<T>): Promise<T | Error> {
	return promise.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
}

/** The value of a `settled` promise, its error thrown again. */
export async function unsettled<T>(promise: Promise<T | Error>): Promise<T> {
	const value = await promise;
	if (value instanceof Error) throw value;
	return value;
}
