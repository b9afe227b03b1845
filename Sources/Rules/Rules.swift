// The rule language: see the files of this module.
import Yams
