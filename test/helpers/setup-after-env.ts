import { checkApiAnswers } from './checked-fetch';
import { stopEverythingStarted } from './cleanup';

// Runs in every integration and browser test file: whatever the file started and did not stop is
// stopped when it ends (see cleanup.ts).
afterAll(() => stopEverythingStarted(), 60_000);

// Whatever a test fetches from the product's API is checked against the OpenAPI document.
checkApiAnswers();
