import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { isUnauthorized } from './api';
import { SessionProvider } from './session';
import { App } from './App';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    // A refusal (401/403/404) is an answer, not a glitch: no retry; others once.
    queries: { retry: (count, e) => !isUnauthorized(e) && count < 1 && !/^4/.test(String((e as { data?: { httpStatus?: number } }).data?.httpStatus ?? '')), refetchOnWindowFocus: false },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <App />
      </SessionProvider>
    </QueryClientProvider>
  </StrictMode>,
);
