"""The preview's sound: the audio device, the window's side of the mix (``AudioPreview``), the level meter
and the timeline's waveforms. The mixing itself is Qt-free, in ``studio.engine.audio_feed``."""
