import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { PreviewScreen } from './PreviewScreen.js';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <PreviewScreen />
  </StrictMode>,
);
