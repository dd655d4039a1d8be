// The starter berth.yml for a folder where no package.json, Procfile or compose file was found.
import { createDraft, createDraftService, setField, type InitDraft } from './init-draft.js';

/** A draft with one example service and commented examples of the rest; `notes` explain what was looked at. */
export function createStarterDraft(notes: readonly string[] = [], sources: readonly string[] = []): InitDraft {
  const draft = createDraft(sources);
  draft.starter = true;
  const web = createDraftService('web', 'starter');
  setField(web, 'command', 'node server.js', 'replace with your start command: a string runs with /bin/sh -c, a list runs directly');
  setField(web, 'http', {}, 'Berth assigns $PORT and the edge can route to it; listen on $PORT');
  web.notes.push(
    'ready: { http: /health }                 # when the app answers on a health path',
    'routes: [{ host: app.example.com }]     # serve it through the edge',
    'depends_on: [postgres]',
  );
  draft.services.push(web);
  draft.notes.push(...notes);
  draft.servicesNotes.push(
    'More services, once you need them:',
    'postgres:',
    '  recipe: postgres',
    '  data: ./data/postgres',
    '  database: app',
    'worker:',
    '  command: node worker.js',
    '  depends_on: [postgres]',
  );
  return draft;
}
