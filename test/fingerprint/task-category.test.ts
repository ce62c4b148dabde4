import { describe, expect, it } from 'vitest';
import { CAPABILITY_TASKS, taskCategory } from '../../src/fingerprint/task-category.ts';

describe('taskCategory', () => {
  it.each([
    ['Write a Python function to reverse a linked list in place.', 'code'],
    ['def f(x):\n    return x + 1\nwhy does this raise TypeError?', 'code'],
    ['You have access to these tools: search, calculator. Decide which tool to call next.', 'agentic'],
    ['Thought: I should look this up.\nAction: search("population of Peru")\nObservation:', 'agentic'],
    ['Find all integer solutions of 3x + 5y = 100 with x, y > 0.', 'math'],
    ['A tank fills in 6 hours with pipe A and 4 hours with pipe B. How long with both open?', 'math'],
    ['What is 17 times 23?', 'math'],
    ['A ball is thrown upward at 20 m/s. How high does it go before it falls?', 'science'],
    ['Which enzyme unwinds DNA during replication?', 'science'],
    ['Knights always tell the truth and knaves always lie. A says B is a knave. Who is who?', 'logic'],
    ['Write a short poem about the sea in autumn.', 'writing'],
    ['Draft an email to my landlord about the broken heating.', 'writing'],
    ['hi! any tips for a first trip to Japan?', 'chat'],
    ['qwerty uiop', 'other'],
    ['Fix the bug in this Python function: it returns None for empty input.', 'code'],
    // Measures of figures are maths, with or without an everyday word beside them.
    ['A rectangle has perimeter 188 cm and diagonal 40 cm. What is its area?', 'math'],
    ['A circle has radius 7 cm; what is its circumference?', 'math'],
    ['What is the volume of a cube with edge 4 cm?', 'math'],
  ])('%s → %s', (text, task) => {
    expect(taskCategory(text)).toBe(task);
  });

  // Everyday words with a technical sense decide a category only beside other evidence.
  it.each([
    'Label this customer message as billing, delivery, login or bug: "the parcel never came".',
    'What does the word "ephemeral" mean?',
    'The pressure at work drains me. How do I cope?',
    'Our product launch slipped; what should I tell the team?',
    'Which class should I take this term, pottery or French?',
    'Is there a good cafe in my area that opens early?',
    'Meet me at the town square at 5.',
    'Turn the volume down on the kitchen speaker.',
  ])('%s → no capability task', (text) => {
    expect(CAPABILITY_TASKS.has(taskCategory(text))).toBe(false);
  });
});
