// yoga-layout for the CommonJS build (scripts/build.js). yoga-layout's own entry awaits its WASM at
// the top level, which CommonJS cannot do; this one starts loading it when first imported and fills
// the same object in when it is ready. source/terminal.ts awaits `ready` before anything is drawn.
import {loadYoga} from 'yoga-layout/load';

const Yoga = {};
export const ready = loadYoga().then(loaded => {
	Object.assign(Yoga, loaded);
});
export default Yoga;
