/** The sandbox image: its recipe, building it for `gobox image build`, and the archive rootless engines load. */
export { DEFAULT_IMAGE, recipeHash } from './recipe.js';
export { buildImage, exportForRootless } from './ensure.js';
