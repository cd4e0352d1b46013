# audio stand-in: there is no speaker. play/TTS calls succeed silently (0) and the volume is remembered.


class Audio:
    def __init__(self, device=0):
        self._volume = 7
        self._cb = None

    def set_pa(self, gpio, num=1):
        return 1

    def play(self, priority, breakin, filename):
        return 0

    def stop(self):
        return 0

    def stopAll(self):
        return 0

    def setCallback(self, cb):
        self._cb = cb
        return 0

    def getState(self):
        return 0

    def getVolume(self):
        return self._volume

    def setVolume(self, vol):
        if type(vol) is not int or not 0 <= vol <= 11:
            raise ValueError('volume is 0..11')
        self._volume = vol
        return 0

    def playStream(self, format, buf):
        return 0

    def stopPlayStream(self):
        return 0

    def aud_tone_play(self, tone, time):
        return 0

    def aud_tone_play_stop(self):
        return 0


class TTS:
    def __init__(self, device=0):
        self._volume = 4

    def play(self, priority, breakin, mode, data):
        return 0

    def stop(self):
        return 0

    def stopAll(self):
        return 0

    def getState(self):
        return 0

    def getVolume(self):
        return self._volume

    def setVolume(self, vol):
        self._volume = vol
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
