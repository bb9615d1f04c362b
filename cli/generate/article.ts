/**
 * "a" or "an" before a model name, for generated summaries and comments ("Create an Item", "Get a User").
 * A simple rule, not a pronunciation dictionary: a vowel letter takes "an", except names that start with a
 * "you" sound (User, Unit, Unique, Euro, Usage…), which take "a". Names it gets wrong can be edited afterwards.
 */
// u + one consonant + vowel sounds "you" (User, Unit, Unicorn, Usage, Utility); u + two consonants does not (Umbrella, Upload, Under)
const YOU_SOUND = /^(eu|ewe|u[bcfgklmnprstvz][aeiouy])/i;
const SILENT_H = /^(hour|honest|honou?r|heir)/i;

export function withArticle(word: string): string {
  const an = (/^[aeiou]/i.test(word) && !YOU_SOUND.test(word)) || SILENT_H.test(word);
  return `${an ? "an" : "a"} ${word}`;
}
