/**
 * Finding the insured person by identity number, or recording them (or
 * updating what the store holds) when the store does not know them. The
 * lookup goes through the screen's `call`, so its errors show in the screen's
 * error box against the id_number field.
 */
import { useState } from 'react';
import type { FoundPerson } from '../../shared/ipc/contract.js';
import type { Call } from '../ui.js';

export function usePersonLookup(call: Call, onLookedUp: () => void = () => {}) {
  const [idNumber, setIdNumber] = useState('');
  const [person, setPerson] = useState<FoundPerson | null>(null);
  const [recording, setRecording] = useState(false);
  /** The identity number last looked up: kept for recording or updating the person, not shown. */
  const [lookedUp, setLookedUp] = useState('');
  /** Bumped when a person is found or recorded: the card then puts the focus on the next thing to do (the bill). */
  const [settledAt, setSettledAt] = useState(0);

  const find = async () => {
    const found = await call('person.find', { id_number: idNumber.trim() });
    if (found === undefined) return;
    setPerson(found);
    setRecording(found === null);
    // Once found, the full identity number leaves the screen; the card shows it masked.
    setLookedUp(idNumber.trim());
    if (found) {
      setIdNumber('');
      setSettledAt((n) => n + 1);
    }
    onLookedUp();
  };

  return {
    idNumber,
    setIdNumber,
    person,
    recording,
    lookedUp,
    find,
    /** The person found (or just recorded) and not being edited: the rest of the screen's form shows. */
    ready: person !== null && !recording,
    settledAt,
    edit: () => setRecording(true),
    recorded: (p: FoundPerson) => {
      setPerson(p);
      setRecording(false);
      // Recorded: the full number leaves the screen too (the card shows it masked).
      setIdNumber('');
      setSettledAt((n) => n + 1);
    },
    clear: () => {
      setIdNumber('');
      setPerson(null);
      setRecording(false);
    },
  };
}

export type PersonLookupState = ReturnType<typeof usePersonLookup>;
