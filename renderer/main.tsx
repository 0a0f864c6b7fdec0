import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// First: the texts must be ready before anything renders.
import './i18n/index.js';
import { App } from './App.js';
import { AppStatusProvider } from './app-status.js';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AppStatusProvider>
      <App />
    </AppStatusProvider>
  </StrictMode>,
);
