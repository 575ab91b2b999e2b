//! Client configuration scanner: finds connection settings in source trees and judges their encryption
