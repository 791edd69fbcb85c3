/**
 * A message as one line: each line break, with the blanks around it, becomes
 * one space. Error reasons go through it wherever one line is promised (the
 * CLI's stderr, INVALID_ARCHIVE reasons built from parser messages).
 */
export const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
