// Preloaded with --import: makes the optional native addon raw-socket look absent, as on a machine where it
// could not be built, so that tests see how lix refuses eep+sctp without it.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'raw-socket') {
      const err = new Error("Cannot find module 'raw-socket'");
      err.code = 'MODULE_NOT_FOUND';
      throw err;
    }
    return next(specifier, context);
  },
});
