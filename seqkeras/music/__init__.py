"""Music as sequences: notes as text, events and piano rolls
(`seqkeras.music.notes`), files in and out (`seqkeras.music.files`:
MusicXML, MIDI, audio) and what describes a piece
(`seqkeras.music.statistics`)."""
