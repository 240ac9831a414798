/**
 * One keyboard input for the whole app: Ctrl+C and other global keys first, then the screen on
 * top. Screens register handlers with useKeys; only the newest active one receives keys.
 */
import {useInput, type Key} from 'ink';
import {createContext, useContext, useEffect, useRef, type ReactNode} from 'react';

export type KeyHandler = (input: string, key: Key) => boolean | void;

type Router = {register(handler: KeyHandler): () => void};
const RouterContext = createContext<Router | null>(null);

export function KeyRouter({global, children}: {readonly global: KeyHandler; readonly children: ReactNode}) {
	const stack = useRef<KeyHandler[]>([]);
	const globalRef = useRef(global);
	globalRef.current = global;
	useInput((input, key) => {
		if (globalRef.current(input, key) === true) return;
		stack.current.at(-1)?.(input, key);
	});
	const router = useRef<Router>({
		register(handler) {
			stack.current.push(handler);
			return () => {
				stack.current = stack.current.filter(candidate => candidate !== handler);
			};
		},
	});
	return <RouterContext.Provider value={router.current}>{children}</RouterContext.Provider>;
}

/** Receives keys while `active` and while no screen registered after it is active. */
export function useKeys(handler: KeyHandler, active = true): void {
	const router = useContext(RouterContext);
	const ref = useRef(handler);
	ref.current = handler;
	useEffect(() => {
		if (!router || !active) return;
		return router.register((input, key) => ref.current(input, key));
	}, [router, active]);
}
