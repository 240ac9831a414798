/**
 * One keyboard input for the whole app. Every key goes to the global handler first (Ctrl+C, `?`),
 * then to the screen on top; widgets never read stdin themselves (text fields and choice lists are
 * state the screen drives, see text-field.tsx and choice-list.tsx).
 *
 * Keys typed while a screen is loading are kept for that screen and applied, in order, once it is
 * ready; keys typed while no screen waits for input are discarded and the operator is told. A key
 * is never applied to a screen it was not typed at.
 */
import {useInput, type Key} from 'ink';
import {createContext, useContext, useEffect, useRef, type ReactNode} from 'react';
import type {Binding} from './keys.js';
import {splitKeys} from './split-keys.js';

export type KeyHandler = (input: string, key: Key) => void;

/** What the global handler knows of the screen on top. */
export type Focus = {readonly typing: boolean; readonly questionMarkIsText: boolean; readonly bindings: readonly Binding[]} | null;

export type GlobalHandler = (input: string, key: Key, focus: Focus) => boolean;

type Registration = {
	readonly handler: {current: KeyHandler};
	ready: boolean;
	typing: boolean | (() => boolean);
	questionMarkIsText: boolean;
	bindings: readonly Binding[];
	readonly queue: Array<[string, Key]>;
};

type Router = {
	register(registration: Registration): () => void;
	flush(registration: Registration): void;
};

const RouterContext = createContext<Router | null>(null);

export function KeyRouter({
	global,
	onDiscarded,
	children,
}: {
	readonly global: GlobalHandler;
	readonly onDiscarded?: (input: string) => void;
	readonly children: ReactNode;
}) {
	const stack = useRef<Registration[]>([]);
	const globalRef = useRef(global);
	globalRef.current = global;
	const discardedRef = useRef(onDiscarded);
	discardedRef.current = onDiscarded;
	const dispatch = (input: string, key: Key) => {
		const top = stack.current.at(-1);
		const typing = typeof top?.typing === 'function' ? top.typing() : top?.typing === true;
		if (globalRef.current(input, key, top ? {typing, questionMarkIsText: typing && top.questionMarkIsText, bindings: top.bindings} : null)) return;
		if (!top) {
			discardedRef.current?.(input);
			return;
		}
		if (!top.ready) top.queue.push([input, key]);
		else top.handler.current(input, key);
	};
	useInput((input, key) => {
		const top = stack.current.at(-1);
		const typing = typeof top?.typing === 'function' ? top.typing() : top?.typing === true;
		// Keys typed fast (or a terminal that batches them) arrive as one chunk: "jj", "j⏎". A text
		// field takes the chunk whole (a paste); every other screen gets them one key at a time.
		for (const [one, oneKey] of typing ? [[input, key] as const] : splitKeys(input, key)) dispatch(one, oneKey);
	});
	const router = useRef<Router>({
		register(registration) {
			stack.current.push(registration);
			return () => {
				stack.current = stack.current.filter(candidate => candidate !== registration);
			};
		},
		flush(registration) {
			// Keys typed ahead go to the screen they were typed at, in order, once it is ready.
			while (registration.ready && registration.queue.length > 0 && stack.current.includes(registration)) {
				const [input, key] = registration.queue.shift()!;
				registration.handler.current(input, key);
			}
		},
	});
	return <RouterContext.Provider value={router.current}>{children}</RouterContext.Provider>;
}

export type KeyOptions = {
	/** False: keys are held for this screen until it is ready. */
	readonly ready?: boolean;
	/** The screen edits text: printable keys are its own (a function is asked at each key). */
	readonly typing?: boolean | (() => boolean);
	/** The text is free (a passphrase, a reason): `?` is a character there, not help. Elsewhere `?` is always help. */
	readonly questionMarkIsText?: boolean;
	/** The keys the help overlay lists for this screen. */
	readonly bindings?: readonly Binding[];
	/** False: the screen does not take keys at all (another is on top). */
	readonly active?: boolean;
};

/** Registers the screen's key handler while it is mounted (and `active`). */
export function useKeys(handler: KeyHandler, {ready = true, typing = false, questionMarkIsText = false, bindings = [], active = true}: KeyOptions = {}): void {
	const router = useContext(RouterContext);
	const handlerRef = useRef(handler);
	handlerRef.current = handler;
	const registration = useRef<Registration | null>(null);
	useEffect(() => {
		if (!router || !active) return;
		const entry: Registration = {handler: handlerRef, ready, typing, questionMarkIsText, bindings, queue: []};
		registration.current = entry;
		const unregister = router.register(entry);
		return () => {
			registration.current = null;
			unregister();
		};
	}, [router, active]);
	useEffect(() => {
		const entry = registration.current;
		if (!entry || !router) return;
		entry.typing = typing;
		entry.questionMarkIsText = questionMarkIsText;
		entry.bindings = bindings;
		entry.ready = ready;
		router.flush(entry);
	});
}
