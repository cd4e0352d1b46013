# audio stand-in: there is no speaker. play/TTS calls succeed silently (0) and the volume is remembered.


class _Player:
    # What Audio and TTS share: nothing plays, so nothing is ever busy; the volume is remembered.
    _VOLUMES = None  # the accepted range, where the stand-in checks it

    def __init__(self, volume):
        self._volume = volume

    def stop(self):
        return 0

    def stopAll(self):
        return 0

    def getState(self):
        return 0

    def getVolume(self):
        return self._volume

    def setVolume(self, vol):
        if self._VOLUMES is not None and (type(vol) is not int or vol not in self._VOLUMES):
            raise ValueError('volume is %d..%d' % (self._VOLUMES[0], self._VOLUMES[-1]))
        self._volume = vol
        return 0


class Audio(_Player):
    _VOLUMES = range(0, 12)

    def __init__(self, device=0):
        _Player.__init__(self, 7)
        self._cb = None

    def set_pa(self, gpio, num=1):
        return 1

    def play(self, priority, breakin, filename):
        return 0

    def setCallback(self, cb):
        self._cb = cb
        return 0

    def playStream(self, format, buf):
        return 0

    def stopPlayStream(self):
        return 0

    def aud_tone_play(self, tone, time):
        return 0

    def aud_tone_play_stop(self):
        return 0


class TTS(_Player):
    def __init__(self, device=0):
        _Player.__init__(self, 4)

    def play(self, priority, breakin, mode, data):
        return 0

    def setSpeed(self, speed):
        return 0

    def getSpeed(self):
        return 4

    def setCallback(self, cb):
        return 0


class Record:
    def __init__(self, device=0):
        pass

    def start(self, file_name, seconds):
        return -1  # no microphone

    def stop(self):
        return 0

    def isBusy(self):
        return 0

    def setCallback(self, cb):
        return 0
