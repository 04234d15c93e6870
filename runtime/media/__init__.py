"""vidc's runtime media library: pure-ish functions with side effects only on the files they are
given (no plans, queues or stores). Backends wrap them.

    wav            16-bit PCM WAV read/write (atomic), durations measured by decoding
    dsp            deterministic resampling helpers
    piper_voice    deterministic Piper speech with word timings
    word_timing    word timings from alignments, written words, voice_result for all voice engines
    synth          instrument voices for the built-in music
                   (synth_core: oscillators, envelopes; synth_drums: noise voices, reverb impulse)
    music_library  the built-in CC0 music library (CATALOG, render_track, ensure_track: the cache)
    music_catalog, music_recipes, music_theory, music_arranger, music_render
                   its catalogue, recipes (data: templates/music_recipes.yaml), theory, arranger, renderer
    music_select   select_track, loop_points / extend_track (names of music_folder importable here too)
    music_folder   index_folder / write_catalog / load_catalog for user music folders
    captions       cue splitting and timing; SRT, WebVTT and ASS writers; filtergraph path escaping
                   (caption_cues, caption_files, caption_ass)
    timeline       sample-exact voice placement; frame <-> sample arithmetic
"""
