import {useRef, useState} from 'react';

/**
 * A reducer whose latest state is readable at once (`current()`), before React re-renders: keys that
 * arrive a few milliseconds apart each see the state the previous key left, never a render's stale copy.
 */
export function useSyncReducer<S, A>(reducer: (state: S, action: A) => S, initial: S): [S, (action: A) => void, () => S] {
	const ref = useRef(initial);
	const [state, setState] = useState(initial);
	const dispatch = (action: A) => {
		ref.current = reducer(ref.current, action);
		setState(ref.current);
	};
	return [state, dispatch, () => ref.current];
}
