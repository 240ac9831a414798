/**
 * The commit picker: the server's own history, newest first, paged as the cursor moves (a huge
 * repository opens as fast as a small one), with what rolling back to the highlighted commit would
 * undo. Keys pressed while the first page loads are kept and applied once it is on screen.
 */
import {Spinner} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {useEffect, useRef, useState} from 'react';
import {errorMessage} from '../../core/errors.js';
import type {CommitSource} from '../../core/questions.js';
import type {Commit} from '../../core/types.js';
import {TextField, useTextField} from '../components/text-field.js';
import {useKeys} from '../key-router.js';
import {fitHelpLine, KEYS} from '../keys.js';
import {useTheme} from '../theme.js';
import {useSyncReducer} from '../use-sync-reducer.js';
import {CommitRow, ImpactPane, type ImpactEntry} from './commit-picker-parts.js';
import {initialPickerState, PAGE_SIZE, pickerReducer, PREFETCH_MARGIN, visibleCommits, windowStart} from './picker-state.js';

const IMPACT_DELAY_MS = 150;
const FILTER_DELAY_MS = 250;
const SEARCH_LIMIT = 200;

export function CommitPicker({
	source,
	onPick,
	onWrongTurn,
	height,
	width,
}: {
	readonly source: CommitSource;
	readonly onPick: (commit: Commit) => void;
	readonly onWrongTurn?: (text: string) => void;
	readonly height: number;
	readonly width: number;
}) {
	const theme = useTheme();
	const [state, dispatch, current] = useSyncReducer(pickerReducer, initialPickerState);
	const [impacts, setImpacts] = useState<ReadonlyMap<string, ImpactEntry>>(new Map());
	const loadingOffset = useRef<number | null>(null);
	const filter = useTextField('', query => dispatch({type: 'filter-query', query}));
	const list = visibleCommits(state);
	const selected = list[state.cursor];

	const loadPage = (offset: number) => {
		if (loadingOffset.current !== null) return;
		loadingOffset.current = offset;
		dispatch({type: 'load-started'});
		source.page(offset, PAGE_SIZE).then(
			page => {
				loadingOffset.current = null;
				dispatch({type: 'page-loaded', offset, commits: page.commits, hasMore: page.hasMore, ...(source.preselect ? {preselect: source.preselect} : {})});
			},
			(error: unknown) => {
				loadingOffset.current = null;
				dispatch({type: 'load-failed', error: errorMessage(error)});
			},
		);
	};

	useEffect(() => loadPage(0), []);

	// Prefetch the next page as the cursor nears the end of what is loaded.
	useEffect(() => {
		if (state.filter?.results) return;
		if (state.hasMore && !state.loading && state.commits.length > 0 && state.cursor >= state.commits.length - PREFETCH_MARGIN) loadPage(state.commits.length);
	}, [state.cursor, state.commits.length, state.hasMore, state.loading, state.filter]);

	// What the highlighted commit would undo, once the cursor rests.
	useEffect(() => {
		if (!selected || selected.hash === source.head || impacts.has(selected.hash)) return;
		const hash = selected.hash;
		const timer = setTimeout(() => {
			setImpacts(previous => new Map(previous).set(hash, {status: 'loading'}));
			source.impact(hash).then(
				impact => setImpacts(previous => new Map(previous).set(hash, {status: 'ready', impact})),
				(error: unknown) => setImpacts(previous => new Map(previous).set(hash, {status: 'error', message: errorMessage(error)})),
			);
		}, IMPACT_DELAY_MS);
		return () => clearTimeout(timer);
	}, [selected?.hash]);

	// Search the whole history on the server as the filter text changes.
	const query = state.filter?.query ?? '';
	useEffect(() => {
		if (query === '') return;
		const timer = setTimeout(() => {
			source.search(query, SEARCH_LIMIT).then(
				results => dispatch({type: 'filter-results', query, results}),
				(error: unknown) => dispatch({type: 'load-failed', error: errorMessage(error)}),
			);
		}, FILTER_DELAY_MS);
		return () => clearTimeout(timer);
	}, [query]);

	// The choice is made in the reducer (every key sees the last key's state); the answer leaves from here.
	useEffect(() => {
		if (state.chosen) onPick(state.chosen);
	}, [state.chosen]);
	useEffect(() => {
		const refused = visibleCommits(state)[state.cursor];
		if (state.refusals > 0 && refused) onWrongTurn?.(`tried to roll back to ${refused.shortHash}, the commit that is already live`);
	}, [state.refusals]);

	const editing = state.filter?.editing === true;
	const listHeight = Math.max(3, height - 8);
	const ready = state.commits.length > 0 || state.error !== null || (!state.loading && !state.hasMore);
	const bindings = editing
		? [KEYS.clearFilter, KEYS.filterDone]
		: [KEYS.up, KEYS.down, KEYS.pageUp, KEYS.pageDown, KEYS.top, KEYS.bottom, KEYS.pick, KEYS.filter, ...(state.filter ? [KEYS.clearFilter] : [])];
	useKeys(
		(input, key) => {
			const now = current();
			if (now.chosen) return;
			if (now.filter?.editing) {
				if (KEYS.clearFilter.match(input, key)) {
					filter.clear();
					dispatch({type: 'filter-clear'});
				} else if (key.return) dispatch({type: 'filter-commit'});
				else if (key.upArrow) dispatch({type: 'move', delta: -1});
				else if (key.downArrow) dispatch({type: 'move', delta: 1});
				else filter.handle(input, key);
				return;
			}
			if (KEYS.up.match(input, key)) dispatch({type: 'move', delta: -1});
			else if (KEYS.down.match(input, key)) dispatch({type: 'move', delta: 1});
			else if (KEYS.pageUp.match(input, key)) dispatch({type: 'move', delta: -listHeight});
			else if (KEYS.pageDown.match(input, key)) dispatch({type: 'move', delta: listHeight});
			else if (KEYS.top.match(input, key)) dispatch({type: 'move-to', index: 0});
			else if (KEYS.bottom.match(input, key)) dispatch({type: 'move-to-end'});
			else if (KEYS.filter.match(input, key)) dispatch({type: 'filter-open'});
			else if (now.filter && KEYS.clearFilter.match(input, key)) {
				filter.clear();
				dispatch({type: 'filter-clear'});
			} else if (KEYS.pick.match(input, key)) dispatch({type: 'pick', head: source.head});
		},
		{ready, typing: () => current().filter?.editing === true, bindings},
	);

	const start = windowStart(state.cursor, list.length, listHeight);
	const shown = list.slice(start, start + listHeight);
	const impactEntry = selected ? impacts.get(selected.hash) : undefined;
	const loading = (label: string) => (theme.reducedMotion ? <Text>{label}</Text> : <Spinner label={label} />);
	return (
		<Box flexDirection="column" width={width}>
			<Text bold>
				Pick the commit to roll back to{' '}
				<Text color={theme.color('muted')}>
					(server history, newest first ·{' '}
					{state.filter?.results ? `${list.length} match${list.length === 1 ? '' : 'es'}` : `${state.commits.length}${state.hasMore ? '+' : ''} loaded`})
				</Text>
			</Text>
			{state.filter && (
				<Box gap={1}>
					<Text color={theme.color('accent')}>/</Text>
					{editing ? <TextField field={filter} placeholder="filter by hash, author or subject (whole history)" /> : <Text>{state.filter.query}</Text>}
					{state.filter.loading && !theme.reducedMotion && <Spinner />}
				</Box>
			)}
			{state.error && <Text color={theme.color('danger')}>Could not read the history: {state.error}</Text>}
			{list.length === 0 && state.loading && loading("Reading the server's git log… (keys typed now are applied when it is shown)")}
			{list.length === 0 && !state.loading && state.filter?.results && <Text color={theme.color('muted')}>No commit matches "{state.filter.query}".</Text>}
			{shown.map((commit, index) => (
				<CommitRow
					key={commit.hash}
					commit={commit}
					selected={start + index === state.cursor}
					isHead={commit.hash === source.head}
					mark={source.marks?.[commit.hash]}
					width={width}
				/>
			))}
			{state.loading && list.length > 0 && loading('loading older commits…')}
			<Box marginTop={1}>
				<ImpactPane
					entry={impactEntry}
					commit={selected}
					isHead={selected?.hash === source.head}
					mark={selected ? source.marks?.[selected.hash] : undefined}
					width={width}
				/>
			</Box>
			{state.message && <Text color={theme.color('warning')}>{state.message}</Text>}
			<Text color={theme.color('muted')} wrap="truncate-middle">
				{editing
					? fitHelpLine(width, KEYS.filterDone, KEYS.clearFilter, KEYS.help)
					: fitHelpLine(width, KEYS.pick, state.filter ? KEYS.clearFilter : KEYS.askStop, KEYS.up, KEYS.down, KEYS.filter, KEYS.help)}
			</Text>
		</Box>
	);
}
