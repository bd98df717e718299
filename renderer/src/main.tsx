/** Renderer entry: connect to the engine, then mount the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { connectEngine } from './engine-client';
import './styles.css';

const root = createRoot(document.getElementById('root') as HTMLElement);

connectEngine().then(
  (client) =>
    root.render(
      <StrictMode>
        <App client={client} />
      </StrictMode>,
    ),
  (e: unknown) => root.render(<div className="fatal">MIA Workstation could not reach its engine: {(e as Error).message}</div>),
);
