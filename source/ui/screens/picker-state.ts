/** The commit picker's state: loaded pages, cursor and filter. A pure reducer, unit-tested. */
import {HISTORY_PAGE_SIZE} from '../../core/questions.js';
import type {Commit} from '../../core/types.js';

export const PAGE_SIZE = HISTORY_PAGE_SIZE;
/** Load the next page when the cursor comes this close to the end of what is loaded. */
export const PREFETCH_MARGIN = 8;

export type PickerState = {
	readonly commits: readonly Commit[];
	readonly hasMore: boolean;
	readonly loading: boolean;
	readonly error: string | null;
	readonly cursor: number;
	readonly filter: {readonly query: string; readonly editing: boolean; readonly results: readonly Commit[] | null; readonly loading: boolean} | null;
	readonly message: string | null;
	/** The commit the operator chose (Enter on anything but HEAD). */
	readonly chosen: Commit | null;
	/** Times the operator tried to pick what is live already. */
	readonly refusals: number;
};

export const initialPickerState: PickerState = {
	commits: [],
	hasMore: true,
	loading: false,
	error: null,
	cursor: 0,
	filter: null,
	message: null,
	chosen: null,
	refusals: 0,
};

export type PickerAction =
	| {type: 'load-started'}
	| {type: 'page-loaded'; offset: number; commits: readonly Commit[]; hasMore: boolean; preselect?: string}
	| {type: 'load-failed'; error: string}
	| {type: 'move'; delta: number}
	| {type: 'move-to'; index: number}
	| {type: 'filter-open'}
	| {type: 'filter-query'; query: string}
	| {type: 'filter-results'; query: string; results: readonly Commit[]}
	| {type: 'filter-commit'}
	| {type: 'filter-clear'}
	| {type: 'message'; text: string | null}
	| {type: 'move-to-end'}
	/** Enter: choose the highlighted commit, unless it is what the server runs now. */
	| {type: 'pick'; head: string};

export function visibleCommits(state: PickerState): readonly Commit[] {
	return state.filter?.results ?? state.commits;
}

function clampCursor(state: PickerState, cursor: number): number {
	const count = visibleCommits(state).length;
	return count === 0 ? 0 : Math.min(Math.max(0, cursor), count - 1);
}

export function pickerReducer(state: PickerState, action: PickerAction): PickerState {
	switch (action.type) {
		case 'load-started':
			return {...state, loading: true, error: null};
		case 'page-loaded': {
			// A page that arrives out of order (or twice) is placed by its offset, never duplicated.
			const commits = [...state.commits.slice(0, action.offset), ...action.commits];
			// Back from the confirmation: the previous target is highlighted again.
			const preselected = action.offset === 0 && action.preselect ? commits.findIndex(commit => commit.hash === action.preselect) : -1;
			return {...state, commits, hasMore: action.hasMore, loading: false, ...(preselected > 0 ? {cursor: preselected} : {})};
		}
		case 'load-failed':
			return {...state, loading: false, error: action.error};
		case 'move':
			return {...state, cursor: clampCursor(state, state.cursor + action.delta), message: null};
		case 'move-to':
			return {...state, cursor: clampCursor(state, action.index), message: null};
		case 'filter-open':
			return {...state, filter: {query: state.filter?.query ?? '', editing: true, results: state.filter?.results ?? null, loading: false}};
		case 'filter-query':
			return {
				...state,
				filter: {query: action.query, editing: true, results: action.query === '' ? null : (state.filter?.results ?? null), loading: action.query !== ''},
				cursor: 0,
			};
		case 'filter-results':
			if (!state.filter || state.filter.query !== action.query) return state;
			return {...state, filter: {...state.filter, results: action.results, loading: false}, cursor: 0};
		case 'filter-commit':
			return state.filter ? {...state, filter: {...state.filter, editing: false}} : state;
		case 'filter-clear':
			return {...state, filter: null, cursor: 0};
		case 'message':
			return {...state, message: action.text};
		case 'move-to-end':
			return {...state, cursor: clampCursor(state, visibleCommits(state).length - 1), message: null};
		case 'pick': {
			const selected = visibleCommits(state)[state.cursor];
			if (!selected) return state;
			if (selected.hash === action.head)
				return {...state, message: `${selected.shortHash} is what the server runs now: pick an older commit.`, refusals: state.refusals + 1};
			return {...state, chosen: selected};
		}
	}
}

/** The first row shown so that the cursor stays in view, roughly centred. */
export function windowStart(cursor: number, count: number, height: number): number {
	if (count <= height) return 0;
	return Math.max(0, Math.min(cursor - Math.floor(height / 2), count - height));
}
