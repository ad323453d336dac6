import { guestbookSuite } from './support/guestbook-suite';

// The same specification against a deployed system (a kind cluster, behind the
// port-forwarded gateway). Not part of `npm test`; run with:
//   E2E_BASE_URL=http://localhost:8080 npm run e2e:deployed
const target = process.env.E2E_BASE_URL;
if (!target)
  throw new Error('Set E2E_BASE_URL to the system under test, e.g. http://localhost:8080');

// E2E_PAGE_SERVICE (monolith before stage 3, frontend from stage 3 on) also
// checks who served the page, as the local stage specs do.
const pageService = process.env.E2E_PAGE_SERVICE;

describe(`deployed system at ${target}`, () => {
  guestbookSuite(() => target, pageService ? { pageService } : {});
});
